"""Every dotted path incidents stores in a row, as a thin stable name.

A pending ``Timer`` row names its callback as a string, so moving or renaming
a function would strand the rows already queued. Rows name these functions instead; each one
only hands over to the service, which may move freely behind it. Keep every name here as long
as a row may hold it. The older path ``incidents.services.incident_step_fire`` still resolves for
rows written before migration 0002 rewrote them.
"""

from __future__ import annotations

from incidents import page_cap, rules, services
from incidents.alerts import retry
from incidents.heartbeats import services as heartbeats


def incident_step_fire(*, incident_id: int, step: int) -> str:
    """A step timer fired: remind, escalate or give up, if the step is still current."""
    return services.incident_step_fire(incident_id=incident_id, step=step)


def maintenance_window_end(*, window_id: int) -> str:
    """A maintenance window's end timer: what is still firing pages now."""
    from incidents.alerts.maintenance import maintenance_window_end as end  # alerts import services, as we do

    return end(window_id=window_id)


def alerts_retry_failed() -> int:
    """Every minute: act again on alerts that were stored but failed (incidents.alerts.retry)."""
    return retry.alerts_retry_failed()


def heartbeat_deadline(*, heartbeat_id: int, generation: int, due: str) -> str:
    """A heartbeat's deadline timer fired: schedule the next one if a ping moved it, else open the incident."""
    return heartbeats.heartbeat_deadline(heartbeat_id=heartbeat_id, generation=generation, due=due)


def incident_rule_fire(*, incident_id: int, contact_id: int, method: str, after_seconds: int, level: int,
                       round: int, whatsapp: str | None = None) -> str:  # noqa: A002
    """A person's notification rule is due: page them on its channel, if still wanted."""
    return rules.incident_rule_fire(incident_id=incident_id, contact_id=contact_id, method=method,
                                    after_seconds=after_seconds, level=level, round=round, whatsapp=whatsapp)


def page_cap_summary_fire(*, number_id: int) -> str:
    """The page cap's summary SMS to one number: the incidents whose pages it held."""
    return page_cap.page_cap_summary_send(number_id=number_id)
