"""What happened to the messages of the last few days, for the delivery report page.

Counts come from the daily rollups (messaging/history/rollups.py) for settled days and from the
message log for the newest; so do the delivery-time percentiles, read from per-day histogram
buckets (two significant figures), so the page stays fast on a message log of millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from messaging.history.rollups import DayCount, delivery_times, message_counts
from messaging.models import (
    Channel,
    Dispatch,
    DispatchUseCase,
    FallbackState,
    MessageStatus,
    OptOut,
    Suppression,
)

# Drawn bottom to top in the daily chart; the order people read a delivery funnel in.
STATUS_ORDER = [MessageStatus.DELIVERED, MessageStatus.SENT, MessageStatus.QUEUED, MessageStatus.FAILED,
                MessageStatus.SUPPRESSED]


@dataclass
class ChannelSummary:
    channel: str
    label: str
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    spend: Decimal | None = None
    seconds_to_deliver_p50: float | None = None
    seconds_to_deliver_p90: float | None = None

    @property
    def delivered_share(self) -> float | None:
        """Delivered out of those whose outcome is known (delivered or failed)."""
        done = self.by_status.get(MessageStatus.DELIVERED, 0) + self.by_status.get(MessageStatus.FAILED, 0)
        return self.by_status.get(MessageStatus.DELIVERED, 0) / done if done else None


@dataclass
class DeliveryReport:
    since: datetime
    days: list[date]
    # per day, per status: how many messages were created that day and have that status now
    daily: dict[date, dict[str, int]]
    channels: list[ChannelSummary]
    # the per-day rows behind it, so the trend sections of the same period need not count again
    counts: list[DayCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.channels)


def percentile(values: list[float], p: float) -> float | None:
    """The ``p``-th percentile (0-100) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil without floats
    return ordered[int(rank) - 1]


def bucket_percentile(buckets: dict[int, int], p: float) -> float | None:
    """``percentile`` over a histogram of tenths of a second (bucket → how many); in seconds."""
    total = sum(buckets.values())
    if not total:
        return None
    rank = max(1, -(-total * p // 100))
    seen = 0
    for tenths in sorted(buckets):
        seen += buckets[tenths]
        if seen >= rank:
            return tenths / 10
    return None  # not reached: the last bucket holds rank ``total``


def delivery_report(*, days: int = 14, now: datetime | None = None) -> DeliveryReport:
    """Messages created in the last ``days`` days (today included), by day, status and channel."""
    if days < 1:
        raise ValueError("days must be at least 1")
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    counts = message_counts(first_day=first_day, now=now)

    day_list = [first_day + timedelta(days=i) for i in range(days)]
    daily = {d: {s: 0 for s in STATUS_ORDER} for d in day_list}
    summaries = {value: ChannelSummary(channel=value, label=label) for value, label in Channel.choices}
    for row in counts:
        if row.day in daily:
            daily[row.day][row.status] = daily[row.day].get(row.status, 0) + row.messages
        summary = summaries.setdefault(row.channel, ChannelSummary(channel=row.channel, label=row.channel))
        summary.by_status[row.status] = summary.by_status.get(row.status, 0) + row.messages
        summary.total += row.messages
        if row.spend is not None:
            summary.spend = (summary.spend or Decimal(0)) + row.spend
    for channel, buckets in delivery_times(first_day=first_day, now=now).items():
        summary = summaries.get(channel)
        if summary is not None and summary.by_status.get(MessageStatus.DELIVERED):
            summary.seconds_to_deliver_p50 = bucket_percentile(buckets, 50)
            summary.seconds_to_deliver_p90 = bucket_percentile(buckets, 90)
    channels = [s for s in summaries.values() if s.total]
    return DeliveryReport(since=since, days=day_list, daily=daily, channels=channels, counts=counts)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class MessagingTrends:
    # per week (Monday), per channel: delivered and failed counts, for a delivery rate of the decided
    delivery: dict[date, dict[str, tuple[int, int]]]
    # per week: fallback dispatches, and how many of them had to send the fallback
    fallbacks: dict[date, tuple[int, int]]
    spend_by_day: dict[date, Decimal]


def messaging_trends(*, since: datetime, now: datetime, counts: list[DayCount] | None = None) -> MessagingTrends:
    """Weekly delivery and fallback rates and daily spend; a few GROUP BYs on created_at."""
    if counts is None:
        counts = message_counts(first_day=timezone.localdate(since), now=now)
    delivery: dict[date, dict[str, tuple[int, int]]] = {}
    for row in counts:
        if row.status not in (MessageStatus.DELIVERED, MessageStatus.FAILED):
            continue
        week = delivery.setdefault(week_start(row.day), {})
        delivered, failed = week.get(row.channel, (0, 0))
        if row.status == MessageStatus.DELIVERED:
            delivered += row.messages
        else:
            failed += row.messages
        week[row.channel] = (delivered, failed)
    fallbacks: dict[date, tuple[int, int]] = {}
    for row in (Dispatch.objects.filter(created_at__gte=since, created_at__lte=now,
                                        use_case=DispatchUseCase.FALLBACK)
                .annotate(day=TruncDate("created_at")).values("day", "fallback_state")
                .annotate(n=Count("id")).order_by()):
        total, sent = fallbacks.get(week_start(row["day"]), (0, 0))
        fallbacks[week_start(row["day"])] = (total + row["n"],
                                             sent + (row["n"] if row["fallback_state"] == FallbackState.SENT else 0))
    spend: dict[date, Decimal] = {}
    for row in counts:
        if row.spend is not None:
            spend[row.day] = spend.get(row.day, Decimal(0)) + row.spend
    return MessagingTrends(delivery=dict(sorted(delivery.items())), fallbacks=dict(sorted(fallbacks.items())),
                           spend_by_day=dict(sorted(spend.items())))


def consent_by_day(*, since: datetime, now: datetime) -> dict[date, dict[str, int]]:
    """Per day: SMS opt-outs, opt-ins back, and email suppressions added."""
    days: dict[date, dict[str, int]] = {}

    def add(queryset, field, key):
        for row in (queryset.annotate(day=TruncDate(field)).values("day").annotate(n=Count("id")).order_by()):
            days.setdefault(row["day"], {"opt_outs": 0, "opt_ins": 0, "suppressions": 0})[key] = row["n"]

    add(OptOut.objects.filter(opted_out_at__gte=since, opted_out_at__lte=now), "opted_out_at", "opt_outs")
    add(OptOut.objects.filter(opted_in_at__gte=since, opted_in_at__lte=now), "opted_in_at", "opt_ins")
    add(Suppression.objects.filter(created_at__gte=since, created_at__lte=now), "created_at", "suppressions")
    return dict(sorted(days.items()))
