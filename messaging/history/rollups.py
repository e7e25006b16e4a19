"""Daily rollups of the message log, so the report reads a year in a few hundred rows.

A message's status changes for a while after it is created (sent, then delivered or failed,
minutes later; a late receipt can take a day or two), then it stops. So the report counts the
newest ``LIVE_DAYS`` day(s) live, straight from the message log through its created_at index,
and every older day from ``DailyMessageCount``. A django-q2 schedule
(``messaging.tasks.history_rollup_refresh``) rebuilds the days still settling every few minutes
and fills in older days that have no rollup yet, a few per run, so an upgraded site catches up
without one long scan; ``manage.py history_rollup_backfill`` does them all at once.

The same rebuild keeps ``DailyDeliveryTime``: per day and channel, how many delivered messages
took how long, in buckets of two significant figures, so the report's delivery-time percentiles
read a year in a few thousand rows instead of sampling the message log.

Other apps add their own daily rollups to the same refresh by naming them in the
``HISTORY_ROLLUPS`` setting (incidents do), as handlers and hooks are named in settings, so one
schedule and one backfill keep every rollup, and messaging needs to know nothing of them.

Archiving deletes old rows but never their rollups, so the report keeps its history: it rebuilds
a day one last time before deleting any of it, and from then on the refresh leaves that day's
message counts alone (``ArchivedDay``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.module_loading import import_string

from messaging.history.locks import day_lock
from messaging.models import ArchivedDay, DailyDeliveryTime, DailyMessageCount, MessageStatus, OutboundMessage

LIVE_DAYS = 1  # today is always counted live; yesterday is at most one refresh (5 minutes) old
SETTLING_DAYS = 4  # rebuilt at every refresh; older days are left as rolled up
BACKFILL_PER_RUN = 14
HORIZON_DAYS = 800  # how far back the refresh looks for days without a rollup
DONE = ""  # channel and status of the marker row of a rolled-up day


class DayCount(NamedTuple):
    """A tuple, not a dataclass: a year's report makes thousands, and a tuple is made ten times faster."""

    day: date
    channel: str
    status: str
    messages: int
    spend: Decimal | None


@dataclass(frozen=True)
class Rollup:
    """Another app's daily rollup: how to rebuild one day, and which days of a range are done."""

    name: str
    rebuild: Callable[[date, datetime], None]  # (day, now), inside the refresh's transaction
    done_days: Callable[[date, date], set[date]]  # (first, last), both included


def _rollups() -> list[Rollup]:
    """The other apps' rollups, in the order HISTORY_ROLLUPS names them (messaging.checks checks
    each imports at start-up)."""
    return [import_string(path) for path in settings.HISTORY_ROLLUPS]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _live(start: datetime, end: datetime) -> list[DayCount]:
    rows = (OutboundMessage.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(day=TruncDate("created_at")).values("day", "channel", "status")
            .annotate(n=Count("id"), spend=Sum("price")).order_by())
    return [DayCount(r["day"], r["channel"], r["status"], r["n"], r["spend"]) for r in rows]


def duration_bucket(took: timedelta) -> int:
    """A duration (a delivery, an acknowledgement) as its bucket: tenths of a second, two significant figures.

    A provider's clock can put delivery a moment before our own "sent"; that is zero, not negative.
    """
    tenths = max((took.days * 86_400 + took.seconds) * 10 + took.microseconds // 100_000, 0)
    if tenths < 100:
        return tenths
    step = 10 ** (len(str(tenths)) - 2)
    return tenths // step * step


def _live_delivery(start: datetime, end: datetime) -> dict[tuple[date, str], dict[int, int]]:
    """Per day and channel: delivered messages created in [start, end) by delivery-time bucket."""
    took = ExpressionWrapper(F("delivered_at") - F("sent_at"), output_field=DurationField())
    rows = (OutboundMessage.objects.filter(created_at__gte=start, created_at__lt=end, status=MessageStatus.DELIVERED,
                                           sent_at__isnull=False, delivered_at__isnull=False)
            .annotate(day=TruncDate("created_at"), took=took).values("day", "channel", "took")
            .annotate(n=Count("id")).order_by())
    out: dict[tuple[date, str], dict[int, int]] = {}
    for r in rows:
        buckets = out.setdefault((r["day"], r["channel"]), {})
        bucket = duration_bucket(r["took"])
        buckets[bucket] = buckets.get(bucket, 0) + r["n"]
    return out


@transaction.atomic
def rollup_days_rebuild(*, days: Iterable[date], now: datetime | None = None) -> int:
    """Count each of ``days`` again from the message log and replace its rollup rows.

    Each day is locked first (in date order, so two rebuilds never wait on each other in a
    circle): a rebuild that starts while another one of the same day is still open waits for
    its commit and then replaces its rows, where both used to insert and one failed on the
    unique key. A day the archive has started on keeps its message rollups as they are (see
    ``ArchivedDay``); the other apps' rollups are rebuilt as usual.
    """
    now = now or timezone.now()
    days = sorted(set(days))
    for day in days:
        day_lock(day)
    final = set(ArchivedDay.objects.filter(day__in=days).values_list("day", flat=True))
    for day in days:
        if day not in final:
            _message_rollups_rebuild(day, now)
        for rollup in _rollups():
            rollup.rebuild(day, now)
    return len(days)


def _message_rollups_rebuild(day: date, now: datetime) -> None:
    counts = _live(*day_bounds(day))
    DailyMessageCount.objects.filter(day=day).delete()
    DailyMessageCount.objects.bulk_create(
        [DailyMessageCount(day=day, channel=DONE, status=DONE, messages=0, refreshed_at=now)]
        + [DailyMessageCount(day=day, channel=c.channel, status=c.status, messages=c.messages, spend=c.spend,
                             refreshed_at=now) for c in counts])
    DailyDeliveryTime.objects.filter(day=day).delete()
    DailyDeliveryTime.objects.bulk_create(
        [DailyDeliveryTime(day=day, channel=DONE, refreshed_at=now)]
        + [DailyDeliveryTime(day=day, channel=channel, tenths=tenths, messages=n, refreshed_at=now)
           for (_, channel), buckets in _live_delivery(*day_bounds(day)).items()
           for tenths, n in buckets.items()])


@transaction.atomic
def rollup_day_finalize(*, day: date, now: datetime | None = None) -> bool:
    """Rebuild ``day``'s rollups one last time and mark them final, before the archive deletes any
    of its rows; False when they already were (a later run of the same day, or a restored day)."""
    day_lock(day)
    if ArchivedDay.objects.filter(day=day).exists():
        return False
    rollup_days_rebuild(days=[day], now=now)
    ArchivedDay.objects.create(day=day, started_at=now or timezone.now())
    return True


def rollup_missing_days(*, today: date, limit: int | None = None) -> list[date]:
    """Days before the settling ones that have messages but no rollup, oldest first."""
    first = OutboundMessage.objects.filter(
        created_at__gte=day_bounds(today - timedelta(days=HORIZON_DAYS))[0]).aggregate(first=Min("created_at"))["first"]
    if first is None:
        return []
    first_day = timezone.localdate(first)
    last_day = today - timedelta(days=SETTLING_DAYS)
    # A day is done when every rollup has its marker (an upgrade adds rollups to rolled-up days).
    done = (set(DailyMessageCount.objects.filter(day__gte=first_day, day__lte=last_day, channel=DONE)
                .values_list("day", flat=True))
            & set(DailyDeliveryTime.objects.filter(day__gte=first_day, day__lte=last_day, channel=DONE)
                  .values_list("day", flat=True)))
    for rollup in _rollups():
        done &= rollup.done_days(first_day, last_day)
    missing = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    missing = [d for d in missing if d not in done]
    return missing[:limit] if limit else missing


def history_rollup_refresh(*, now: datetime | None = None) -> int:
    """The schedule's task: rebuild the settling days and catch up a few days never rolled up."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settling = [today - timedelta(days=i) for i in range(1, SETTLING_DAYS + 1)]
    return rollup_days_rebuild(days=settling + rollup_missing_days(today=today, limit=BACKFILL_PER_RUN), now=now)


def message_counts(*, first_day: date, now: datetime) -> list[DayCount]:
    """Per day from ``first_day`` to today, per channel and status: messages and spend.

    Rolled-up days come from the rollup; the live days, and any older day not rolled up yet,
    from the message log.
    """
    today = timezone.localdate(now)
    live_from = today - timedelta(days=LIVE_DAYS - 1)
    rolled = list(DailyMessageCount.objects.filter(day__gte=first_day, day__lt=live_from)
                  .values_list("day", "channel", "status", "messages", "spend"))
    done = {day for day, channel, *_ in rolled if channel == DONE}
    counts = [DayCount._make(row) for row in rolled if row[1] != DONE]
    missing = [first_day + timedelta(days=i) for i in range((live_from - first_day).days)]
    missing = [d for d in missing if d not in done]
    if missing:
        counts += [c for c in _live(day_bounds(missing[0])[0], day_bounds(missing[-1])[1]) if c.day not in done]
    counts += _live(day_bounds(max(live_from, first_day))[0], now + timedelta(microseconds=1))
    return counts


def delivery_times(*, first_day: date, now: datetime) -> dict[str, dict[int, int]]:
    """Per channel, delivered messages created from ``first_day`` to now by delivery-time bucket.

    Like message_counts: rolled-up days from the rollup, the rest live from the message log.
    """
    today = timezone.localdate(now)
    live_from = today - timedelta(days=LIVE_DAYS - 1)
    out: dict[str, dict[int, int]] = {}

    def add(channel: str, tenths: int, n: int) -> None:
        buckets = out.setdefault(channel, {})
        buckets[tenths] = buckets.get(tenths, 0) + n

    done = set()
    for day, channel, tenths, n in (DailyDeliveryTime.objects.filter(day__gte=first_day, day__lt=live_from)
                                    .values_list("day", "channel", "tenths", "messages")):
        if channel == DONE:
            done.add(day)
        else:
            add(channel, tenths, n)
    missing = [first_day + timedelta(days=i) for i in range((live_from - first_day).days)]
    missing = [d for d in missing if d not in done]
    live = {}
    if missing:
        live = {k: v for k, v in _live_delivery(day_bounds(missing[0])[0], day_bounds(missing[-1])[1]).items()
                if k[0] not in done}
    live.update(_live_delivery(day_bounds(max(live_from, first_day))[0], now + timedelta(microseconds=1)))
    for (_, channel), buckets in live.items():
        for tenths, n in buckets.items():
            add(channel, tenths, n)
    return out
