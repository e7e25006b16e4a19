"""Daily rollups of incidents, so the report's incident numbers read a year in a few hundred rows.

Per day the incidents opened, escalated and unanswered (DailyIncidentCount) and their times to
acknowledge in histogram buckets (DailyAckTime). Kept by messaging's rollup refresh, which this
module joins from IncidentsConfig.ready: the days still settling are rebuilt every few minutes
(an incident escalates, or is answered, within hours), older days stay as rolled up. Today, and
any day not rolled up yet, are counted live. How many incidents are in each status now is not
rolled up: an incident can be resolved weeks later, so the summary counts that live.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.models import DailyAckTime, DailyIncidentCount, EventKind, Incident, IncidentEvent
from messaging.history.rollups import LIVE_DAYS, Rollup, day_bounds, duration_bucket


def _empty() -> dict:
    return {"opened": 0, "escalated": 0, "nobody": 0, "acks": {}}


def _live(start: datetime, end: datetime) -> dict[date, dict]:
    """Per day of incidents created in [start, end): opened, escalated, nobody answered, ack buckets."""
    window = Incident.objects.filter(created_at__gte=start, created_at__lt=end)
    days: dict[date, dict] = {}
    for row in (window.annotate(day=TruncDate("created_at")).values("day")
                .annotate(n=Count("id"), escalated=Count("id", filter=Q(level__gt=1) | Q(round__gt=1))).order_by()):
        day = days.setdefault(row["day"], _empty())
        day["opened"] += row["n"]
        day["escalated"] += row["escalated"]
    for row in (IncidentEvent.objects.filter(kind=EventKind.UNACKNOWLEDGED, incident__created_at__gte=start,
                                             incident__created_at__lt=end)
                .annotate(day=TruncDate("incident__created_at")).values("day")
                .annotate(n=Count("incident", distinct=True)).order_by()):
        days.setdefault(row["day"], _empty())["nobody"] += row["n"]
    took = ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())
    for row in (window.filter(acknowledged_at__isnull=False).annotate(day=TruncDate("created_at"), took=took)
                .values("day", "took").annotate(n=Count("id")).order_by()):
        acks = days.setdefault(row["day"], _empty())["acks"]
        bucket = duration_bucket(row["took"])
        acks[bucket] = acks.get(bucket, 0) + row["n"]
    return days


def incident_day_rebuild(day: date, now: datetime) -> None:
    counts = _live(*day_bounds(day)).get(day, _empty())
    DailyIncidentCount.objects.filter(day=day).delete()
    DailyAckTime.objects.filter(day=day).delete()
    DailyIncidentCount.objects.create(day=day, opened=counts["opened"], escalated=counts["escalated"],
                                      nobody_answered=counts["nobody"], refreshed_at=now)
    DailyAckTime.objects.bulk_create([DailyAckTime(day=day, tenths=t, incidents=n) for t, n in counts["acks"].items()])


def incident_days_done(first: date, last: date) -> set[date]:
    return set(DailyIncidentCount.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))


INCIDENT_ROLLUP = Rollup(name="incidents", rebuild=incident_day_rebuild, done_days=incident_days_done)


def incident_days(*, first_day: date, now: datetime) -> dict[date, dict]:
    """Per day from ``first_day`` to now: opened, escalated, nobody answered, and ack-time buckets."""
    live_from = timezone.localdate(now) - timedelta(days=LIVE_DAYS - 1)
    days: dict[date, dict] = {}
    for day, opened, escalated, nobody in (DailyIncidentCount.objects.filter(day__gte=first_day, day__lt=live_from)
                                           .values_list("day", "opened", "escalated", "nobody_answered")):
        days[day] = {"opened": opened, "escalated": escalated, "nobody": nobody, "acks": {}}
    for day, tenths, n in (DailyAckTime.objects.filter(day__gte=first_day, day__lt=live_from)
                           .values_list("day", "tenths", "incidents")):
        if day in days:
            days[day]["acks"][tenths] = n
    missing = [first_day + timedelta(days=i) for i in range((live_from - first_day).days)]
    missing = [d for d in missing if d not in days]
    if missing:
        unrolled = set(missing)
        days.update({d: v for d, v in _live(day_bounds(missing[0])[0], day_bounds(missing[-1])[1]).items()
                     if d in unrolled})
    days.update(_live(day_bounds(max(live_from, first_day))[0], now + timedelta(microseconds=1)))
    return days


def merged_acks(days) -> dict[int, int]:
    out: dict[int, int] = {}
    for day in days:
        for tenths, n in day["acks"].items():
            out[tenths] = out.get(tenths, 0) + n
    return out
