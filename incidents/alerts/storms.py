"""Alert storms: when a policy opens too many incidents too fast, new alerts share one incident.

A flood of distinct alerts (a network partition, a data centre losing power) would page the same
person once per alert. Like OnCall's "more than X alerts in Y minutes" and PagerDuty's grouping,
once a policy has had more than ``ALERT_STORM_INCIDENTS`` incidents opened by alerts within
``ALERT_STORM_MINUTES``, each new alert group joins one "alert storm" incident, which paged once
when it opened and lists the groups on its timeline. Each group still resolves on its own; the
storm incident resolves when its last group does (incidents/alerts/intake.py).

Reads only: the intake does the writing, under a lock on the policy row so that two alerts
starting a storm at once open one storm incident.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from incidents.models import AlertGroup, EscalationPolicy, IncidentStatus


def storm_limits() -> tuple[int, int]:
    return settings.ALERT_STORM_INCIDENTS, settings.ALERT_STORM_MINUTES


def storm_opened_since(now: datetime):
    """An expression on a policy row: how many incidents its alerts opened within the storm window
    (read with the policy, incidents.alerts.selectors.policy_for_alert)."""
    _, minutes = storm_limits()
    opened = (AlertGroup.objects.filter(policy=OuterRef("pk"), storm=False,
                                        opened_at__gte=now - timedelta(minutes=minutes))
              .order_by().values("policy").annotate(n=Count("incident", distinct=True)).values("n"))
    return Coalesce(Subquery(opened, output_field=IntegerField()), 0)


def storm_reached(*, opened: int) -> bool:
    """Whether a policy whose alerts opened ``opened`` incidents in the window is in a storm."""
    return opened >= storm_limits()[0]


def storm_group(*, policy: EscalationPolicy) -> AlertGroup | None:
    """A group of the policy's open storm incident, if one is open."""
    return (AlertGroup.objects.filter(policy=policy, storm=True, is_open=True)
            .exclude(incident__status=IncidentStatus.RESOLVED).select_related("incident").order_by("opened_at")
            .first())
