"""How incidents of the last few days went, for the delivery report page.

Incidents section. Aggregates only, apart from selectors.py because portal/views.py is its one
reader and its numbers are about many incidents, not one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from incidents.models import Incident, IncidentStatus
from messaging.reports import percentile

SAMPLE = 2000


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
