"""How incidents of the last few days went, for the delivery report page.

Incidents section. Aggregates only, apart from selectors.py because portal/views.py is its one
reader and its numbers are about many incidents, not one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import Mod, TruncDate
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentEvent, IncidentStatus
from messaging.reports import percentile

SAMPLE = 2000
# Weekly percentiles read about this many incidents of the period, spread evenly (every n-th by id).
WEEKS_SAMPLE = 5000


@dataclass
class IncidentSummary:
    opened: int
    by_status: dict[str, int]
    acknowledged: int
    seconds_to_acknowledge_p50: float | None
    seconds_to_acknowledge_p90: float | None

    @property
    def acknowledged_share(self) -> float | None:
        return self.acknowledged / self.opened if self.opened else None


def incident_report(*, since: datetime, now: datetime) -> IncidentSummary:
    window = Incident.objects.filter(created_at__gte=since, created_at__lte=now)
    by_status = {row["status"]: row["n"] for row in window.values("status").annotate(n=Count("id")).order_by()}
    acked = (window.filter(acknowledged_at__isnull=False).order_by("-created_at")
             .values_list("created_at", "acknowledged_at")[:SAMPLE])
    seconds = [max((ack - opened).total_seconds(), 0.0) for opened, ack in acked]
    return IncidentSummary(
        opened=sum(by_status.values()), by_status={s: by_status.get(s, 0) for s in IncidentStatus.values},
        acknowledged=window.filter(acknowledged_at__isnull=False).count(),
        seconds_to_acknowledge_p50=percentile(seconds, 50), seconds_to_acknowledge_p90=percentile(seconds, 90))


@dataclass
class IncidentWeek:
    week: date
    opened: int
    seconds_to_acknowledge_p50: float | None
    seconds_to_acknowledge_p90: float | None
    escalated: int  # needed a second level, or a second pass through the chain
    nobody_answered: int  # the chain ran out at least once

    def rate(self, n: int) -> float | None:
        return n / self.opened if self.opened else None


def incident_weeks(*, since: datetime, now: datetime) -> list[IncidentWeek]:
    """Weekly time to acknowledge, escalation and "nobody answered" rates of the incidents opened.

    Counts are GROUP BYs per day folded into weeks in Python (TruncWeek's Monday is the same on
    both databases, but days keep it in the current time zone); the percentiles read only the
    acknowledged incidents' two timestamps, every n-th by id so that about WEEKS_SAMPLE are read.
    """
    window = Incident.objects.filter(created_at__gte=since, created_at__lte=now)
    weeks: dict[date, dict] = {}

    def week_of(day: date) -> dict:
        return weeks.setdefault(day - timedelta(days=day.weekday()),
                                {"opened": 0, "escalated": 0, "nobody": 0, "seconds": []})

    for row in (window.annotate(day=TruncDate("created_at")).values("day")
                .annotate(n=Count("id"), escalated=Count("id", filter=Q(level__gt=1) | Q(round__gt=1))).order_by()):
        week = week_of(row["day"])
        week["opened"] += row["n"]
        week["escalated"] += row["escalated"]
    ran_out = (IncidentEvent.objects.filter(kind=EventKind.UNACKNOWLEDGED, incident__created_at__gte=since,
                                            incident__created_at__lte=now)
               .annotate(day=TruncDate("incident__created_at")).values("day")
               .annotate(n=Count("incident", distinct=True)).order_by())
    for row in ran_out:
        week_of(row["day"])["nobody"] += row["n"]
    # Every n-th incident by id, so a year's sample covers every week evenly.
    stride = max(1, sum(w["opened"] for w in weeks.values()) // WEEKS_SAMPLE)
    sample = window.filter(acknowledged_at__isnull=False)
    if stride > 1:
        sample = sample.annotate(pick=Mod("id", stride)).filter(pick=0)
    for created, acked in sample.values_list("created_at", "acknowledged_at")[:WEEKS_SAMPLE]:
        week_of(timezone.localdate(created))["seconds"].append(max((acked - created).total_seconds(), 0.0))
    return [IncidentWeek(week=week, opened=w["opened"], seconds_to_acknowledge_p50=percentile(w["seconds"], 50),
                         seconds_to_acknowledge_p90=percentile(w["seconds"], 90), escalated=w["escalated"],
                         nobody_answered=w["nobody"])
            for week, w in sorted(weeks.items()) if w["opened"]]


@dataclass
class Responder:
    name: str
    phone: str
    paged: int = 0
    acknowledged: int = 0
    declined: int = 0
    seconds_to_acknowledge_p50: float | None = None

    @property
    def silent(self) -> int:
        return max(self.paged - self.acknowledged - self.declined, 0)


def responders(*, since: datetime, now: datetime) -> list[Responder]:
    """Per contact paged in the period: incidents paged, acknowledged, declined, silent; median time to ack."""
    events = IncidentEvent.objects.filter(incident__created_at__gte=since, incident__created_at__lte=now,
                                          contact__isnull=False,
                                          kind__in=[EventKind.NOTIFIED, EventKind.ACKNOWLEDGED, EventKind.DECLINED])
    people: dict[int, Responder] = {}
    field_of = {EventKind.NOTIFIED: "paged", EventKind.ACKNOWLEDGED: "acknowledged", EventKind.DECLINED: "declined"}
    for row in (events.values("contact", "contact__name", "contact__phone", "kind")
                .annotate(n=Count("incident", distinct=True)).order_by()):
        person = people.setdefault(row["contact"], Responder(name=row["contact__name"], phone=row["contact__phone"]))
        setattr(person, field_of[row["kind"]], row["n"])
    acked = (Incident.objects.filter(created_at__gte=since, created_at__lte=now, acknowledged_by__in=people)
             .order_by("-created_at").values_list("acknowledged_by", "created_at", "acknowledged_at")[:WEEKS_SAMPLE])
    seconds: dict[int, list[float]] = {}
    for contact, created, at in acked:
        seconds.setdefault(contact, []).append(max((at - created).total_seconds(), 0.0))
    for contact, person in people.items():
        person.seconds_to_acknowledge_p50 = percentile(seconds.get(contact, []), 50)
    return sorted(people.values(), key=lambda p: (-p.paged, p.name))
