"""Daily rollups of the message log, so the report reads a year in a few hundred rows.

A message's status changes for a while after it is created (sent, then delivered or failed,
minutes later; a late receipt can take a day or two), then it stops. So the report counts the
newest ``LIVE_DAYS`` day(s) live, straight from the message log through its created_at index,
and every older day from ``DailyMessageCount``. A django-q2 schedule
(``messaging.tasks.history_rollup_refresh``) rebuilds the days still settling every few minutes
and fills in older days that have no rollup yet, a few per run, so an upgraded site catches up
without one long scan; ``manage.py history_rollup_backfill`` does them all at once.

Archiving deletes old rows but never their rollups, so the report keeps its history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from messaging.models import DailyMessageCount, OutboundMessage

LIVE_DAYS = 1  # today is always counted live; yesterday is at most one refresh (5 minutes) old
SETTLING_DAYS = 4  # rebuilt at every refresh; older days are left as rolled up
BACKFILL_PER_RUN = 14
HORIZON_DAYS = 800  # how far back the refresh looks for days without a rollup
DONE = ""  # channel and status of the marker row of a rolled-up day


@dataclass(frozen=True)
class DayCount:
    day: date
    channel: str
    status: str
    messages: int
    spend: Decimal | None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _live(start: datetime, end: datetime) -> list[DayCount]:
    rows = (OutboundMessage.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(day=TruncDate("created_at")).values("day", "channel", "status")
            .annotate(n=Count("id"), spend=Sum("price")).order_by())
    return [DayCount(r["day"], r["channel"], r["status"], r["n"], r["spend"]) for r in rows]


@transaction.atomic
def rollup_days_rebuild(*, days: Iterable[date], now: datetime | None = None) -> int:
    """Count each of ``days`` again from the message log and replace its rollup rows."""
    now = now or timezone.now()
    written = 0
    for day in sorted(set(days)):
        counts = _live(*day_bounds(day))
        DailyMessageCount.objects.filter(day=day).delete()
        DailyMessageCount.objects.bulk_create(
            [DailyMessageCount(day=day, channel=DONE, status=DONE, messages=0, refreshed_at=now)]
            + [DailyMessageCount(day=day, channel=c.channel, status=c.status, messages=c.messages, spend=c.spend,
                                 refreshed_at=now) for c in counts])
        written += 1
    return written


def rollup_missing_days(*, today: date, limit: int | None = None) -> list[date]:
    """Days before the settling ones that have messages but no rollup, oldest first."""
    first = OutboundMessage.objects.filter(
        created_at__gte=day_bounds(today - timedelta(days=HORIZON_DAYS))[0]).aggregate(first=Min("created_at"))["first"]
    if first is None:
        return []
    first_day = timezone.localdate(first)
    last_day = today - timedelta(days=SETTLING_DAYS)
    done = set(DailyMessageCount.objects.filter(day__gte=first_day, day__lte=last_day, channel=DONE)
               .values_list("day", flat=True))
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
    counts = [DayCount(*row) for row in rolled if row[1] != DONE]
    missing = [first_day + timedelta(days=i) for i in range((live_from - first_day).days)]
    missing = [d for d in missing if d not in done]
    if missing:
        counts += [c for c in _live(day_bounds(missing[0])[0], day_bounds(missing[-1])[1]) if c.day not in done]
    counts += _live(day_bounds(max(live_from, first_day))[0], now + timedelta(microseconds=1))
    return counts
