"""Maintenance windows: planned work on a policy's systems pages nobody, and nothing is lost.

During a window, a new alert group still opens its incident (stored, counted, on the timeline)
but the incident is held: "in maintenance", nobody paged. A durable timer at the window's end
(django-q2, through messaging.scheduling.timers; stored name ``incidents.tasks.maintenance_window_end``)
releases every held incident whose group is still firing, which then pages as usual. Groups
resolved during the window resolved their incident quietly, so the end pages nobody for them.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery

from incidents.models import AlertGroup, IncidentStatus, MaintenanceWindow
from incidents.services import incident_release
from messaging.scheduling.timers import timer_schedule, timers_cancel_for

END_CALLBACK = "incidents.tasks.maintenance_window_end"


def maintenance_window_at(now: datetime):
    """An expression on a policy row: the id of its maintenance window on at ``now`` (the one that
    ends last), or None (read with the policy, incidents.alerts.selectors.policy_for_alert)."""
    return Subquery(MaintenanceWindow.objects.filter(policy=OuterRef("pk"), start__lte=now, end__gt=now)
                    .order_by("-end").values("pk")[:1])


@transaction.atomic
def maintenance_window_save(*, window: MaintenanceWindow) -> MaintenanceWindow:
    """Create or change a window, and (re)schedule the timer at its end."""
    if window.start and window.end and window.end <= window.start:
        raise ValidationError({"end": ["The end must be after the start."]})
    window.save()
    timers_cancel_for(owner=window)
    timer_schedule(callback=END_CALLBACK, due_at=window.end, kwargs={"window_id": window.pk}, owner=window,
                   label=f"maintenance window #{window.pk} ends")
    return window


def maintenance_window_end(*, window_id: int) -> str:
    """Release what the policy's windows held until this end and is still firing, unless another
    window covers the moment. Reckoned from ``window.end``, not the clock: the timer is cancelled
    and set again whenever the end moves (maintenance_window_save), so when it fires, it is the end.
    """
    window = MaintenanceWindow.objects.filter(pk=window_id).first()
    if window is None:
        return "gone"
    at = window.end
    if (MaintenanceWindow.objects.filter(policy=window.policy, start__lte=at, end__gt=at)
            .exclude(pk=window.pk).exists()):
        return "another window is on"  # its own end releases these too
    groups = (AlertGroup.objects.filter(maintenance__policy=window.policy, maintenance__end__lte=at, is_open=True,
                                        firing__gt=0)
              .exclude(incident__status=IncidentStatus.RESOLVED).values_list("incident_id", flat=True))
    released = 0
    for incident_id in sorted(set(groups)):
        incident_release(incident_id=incident_id, note=f"Maintenance window ended ({window.reason[:80]}).")
        released += 1
    return f"released {released}"
