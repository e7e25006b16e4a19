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

from incidents.models import AlertGroup, EscalationPolicy, IncidentStatus


def storm_limits() -> tuple[int, int]:
    return settings.ALERT_STORM_INCIDENTS, settings.ALERT_STORM_MINUTES


def storm_active(*, policy: EscalationPolicy, now: datetime) -> bool:
    """Whether ``policy`` has already had ALERT_STORM_INCIDENTS incidents from alerts in the window."""
    limit, minutes = storm_limits()
    opened = (AlertGroup.objects.filter(policy=policy, storm=False, opened_at__gte=now - timedelta(minutes=minutes))
              .values("incident").distinct().count())
    return opened >= limit


def storm_group(*, policy: EscalationPolicy) -> AlertGroup | None:
    """A group of the policy's open storm incident, if one is open."""
    return (AlertGroup.objects.filter(policy=policy, storm=True, is_open=True)
            .exclude(incident__status=IncidentStatus.RESOLVED).select_related("incident").order_by("opened_at")
            .first())
