"""How incidents of the last few days went, for the delivery report page.

Aggregates only, apart from selectors.py because portal/views.py is its one
reader and its numbers are about many incidents, not one. Times to acknowledge and the weekly
counts come from the daily rollups (incidents/rollups.py) plus today, live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from incidents.models import EventKind, Incident, IncidentEvent, IncidentStatus
from incidents.rollups import incident_days, merged_acks
from messaging.reports import bucket_percentile, percentile

# The per-responder median reads at most this many of the period's newest acknowledged incidents.
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
    # Statuses change until an incident is resolved, weeks later if need be: counted live, in one pass.
    rows = list(window.values("status")
                .annotate(n=Count("id"), acked=Count("id", filter=Q(acknowledged_at__isnull=False))).order_by())
    by_status = {row["status"]: row["n"] for row in rows}
    acks = merged_acks(incident_days(first_day=timezone.localdate(since), now=now).values())
    return IncidentSummary(
        opened=sum(by_status.values()), by_status={s: by_status.get(s, 0) for s in IncidentStatus.values},
        acknowledged=sum(row["acked"] for row in rows),
        seconds_to_acknowledge_p50=bucket_percentile(acks, 50), seconds_to_acknowledge_p90=bucket_percentile(acks, 90))


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

    The days come from the rollup (and today live), folded into weeks here: TruncWeek's Monday is
    the same on both databases, but days keep it in the current time zone.
    """
    weeks: dict[date, list[dict]] = {}
    for day, counts in incident_days(first_day=timezone.localdate(since), now=now).items():
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(counts)
    out = []
    for week, days in sorted(weeks.items()):
        opened = sum(d["opened"] for d in days)
        if not opened:
            continue
        acks = merged_acks(days)
        out.append(IncidentWeek(week=week, opened=opened, seconds_to_acknowledge_p50=bucket_percentile(acks, 50),
                                seconds_to_acknowledge_p90=bucket_percentile(acks, 90),
                                escalated=sum(d["escalated"] for d in days),
                                nobody_answered=sum(d["nobody"] for d in days)))
    return out


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
