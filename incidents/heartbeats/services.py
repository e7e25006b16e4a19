"""Heartbeats: the ping, the deadline timer, pause and resume.

A ping of an armed heartbeat is one UPDATE of ``last_ping_at`` found by its token (unique index):
no API key, no lock, no timer touched. The deadline is ``last_ping_at + timeout``; one durable
timer per armed heartbeat waits for it. When the timer fires it locks the row and compares: if a
ping moved the deadline past the one it was scheduled for, it schedules the next timer at the new
deadline (one timer per timeout period, however often the job pings); if not, the ping was missed
and the heartbeat opens an incident on its policy through the alert intake, with a dedup key of
its own, so a heartbeat has at most one incident open. The next ping resolves it through the
same key and arms the heartbeat again.

Anything other than "an armed heartbeat pinged" (first ping, the ping after a miss, a paused
heartbeat, an unknown token) takes the slow path, under the row's lock, so a ping and a firing
timer never both act: a ping that waited for the timer's lock finds the heartbeat late and
resolves its incident.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from incidents.alerts.alertmanager import ParsedAlert
from incidents.alerts.intake import alert_receive
from incidents.heartbeats.models import Heartbeat, HeartbeatState
from incidents.models import OPEN_STATUSES, AlertSource, AlertStatus, EscalationPolicy
from messaging.scheduling.timers import timer_schedule

log = logging.getLogger(__name__)

DEADLINE_CALLBACK = "incidents.tasks.heartbeat_deadline"


def heartbeat_dedup_key(heartbeat: Heartbeat) -> str:
    return f"heartbeat:{heartbeat.pk}"


def _when(at: datetime | None) -> str:
    if at is None:
        return "never"
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S %Z")


def heartbeat_token() -> str:
    """32 URL-safe random characters (192 bits): the ping URL's only credential."""
    return secrets.token_urlsafe(24)


def heartbeat_create(*, name: str, policy: EscalationPolicy, timeout_seconds: int) -> Heartbeat:
    """A new heartbeat, waiting for its first ping."""
    heartbeat = Heartbeat(name=name, policy=policy, timeout_seconds=timeout_seconds, token=heartbeat_token())
    heartbeat.full_clean()
    heartbeat.save()
    return heartbeat


def heartbeat_ping(*, token: str, now: datetime | None = None) -> bool:
    """Record a ping; False when no heartbeat has this token (the view answers 404)."""
    now = now or timezone.now()
    if _ping_armed(token=token, now=now):
        return True  # the common case: one UPDATE, the timer sees the new deadline when it fires
    with transaction.atomic():
        heartbeat = Heartbeat.objects.select_for_update().filter(token=token).first()
        if heartbeat is None:
            return False
        if heartbeat.state in (HeartbeatState.UP, HeartbeatState.PAUSED):
            # UP: armed between our UPDATE and the lock. PAUSED: shown in the admin, nothing armed.
            Heartbeat.objects.filter(pk=heartbeat.pk).update(last_ping_at=now)
            return True
        # Late, or paused while late and resumed since: its incident is still open.
        missed = heartbeat.state == HeartbeatState.LATE or (
            heartbeat.incident_id is not None and heartbeat.incident.status in OPEN_STATUSES)
        _arm(heartbeat, now=now)
        if missed:
            _alert(heartbeat, status=AlertStatus.RESOLVED,
                   summary=f"Heartbeat '{heartbeat.name}' pinged again at {_when(now)}")
    return True


def _ping_armed(*, token: str, now: datetime) -> bool:
    """The one UPDATE of an armed heartbeat's ping, committed without waiting for the WAL flush.

    A ping is worth less than the flush it would wait for (most of its latency on a busy disk,
    docs/benchmarks.md): a crash can lose at most the last fraction of a second of pings, which
    the next ping puts right, while the miss itself (the timer's transaction) is committed as
    usual. SET LOCAL applies to this transaction only and writes nothing.
    """
    armed = Heartbeat.objects.filter(token=token, state=HeartbeatState.UP)
    if connection.vendor != "postgresql":
        return armed.update(last_ping_at=now) == 1
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return armed.update(last_ping_at=now) == 1


def _arm(heartbeat: Heartbeat, *, now: datetime) -> None:
    heartbeat.state = HeartbeatState.UP
    heartbeat.last_ping_at = now
    heartbeat.generation += 1
    heartbeat.save(update_fields=["state", "last_ping_at", "generation"])
    _schedule(heartbeat, due_at=heartbeat.deadline)


def _schedule(heartbeat: Heartbeat, *, due_at: datetime) -> None:
    timer_schedule(callback=DEADLINE_CALLBACK, due_at=due_at, owner=heartbeat,
                   label=f"heartbeat {heartbeat.name}"[:200],
                   kwargs={"heartbeat_id": heartbeat.pk, "generation": heartbeat.generation, "due": due_at.isoformat()})


def heartbeat_deadline(*, heartbeat_id: int, generation: int, due: str) -> str:
    """The deadline timer fired (inside the timer's transaction): move on, or open the incident."""
    heartbeat = Heartbeat.objects.select_for_update().filter(pk=heartbeat_id).first()
    if heartbeat is None or heartbeat.generation != generation or heartbeat.state != HeartbeatState.UP:
        return "stale"  # deleted, paused, or armed again since: a newer timer (or none) is in charge
    deadline = heartbeat.deadline
    if deadline > datetime.fromisoformat(due):
        _schedule(heartbeat, due_at=deadline)
        return "moved"
    heartbeat.state = HeartbeatState.LATE
    heartbeat.save(update_fields=["state"])
    summary = f"Heartbeat '{heartbeat.name}' missed: last ping at {_when(heartbeat.last_ping_at)}"
    incident_id = _alert(heartbeat, status=AlertStatus.FIRING, summary=summary)
    if incident_id:
        Heartbeat.objects.filter(pk=heartbeat.pk).update(incident_id=incident_id)
    return "missed"


def _alert(heartbeat: Heartbeat, *, status: str, summary: str) -> int | None:
    """Open or resolve the heartbeat's incident as a generic alert with the heartbeat's own key.

    The body has the generic alert's shape, so the alert retry (incidents.alerts.retry) can act on
    it again if acting fails; a maintenance window or an alert storm on the policy applies too.
    """
    key = heartbeat_dedup_key(heartbeat)
    body = {"summary": summary, "details": f"Expected a ping every {heartbeat.timeout_seconds} s.",
            "dedup_key": key, "status": status, "heartbeat": heartbeat.pk}
    parsed = ParsedAlert(summary=summary, details=body["details"], url="", dedup_key=key, status=status,
                         firing=int(status == AlertStatus.FIRING), resolved=int(status == AlertStatus.RESOLVED))
    try:
        outcome = alert_receive(source=AlertSource.GENERIC, body=body, parsed=parsed, policy_id=heartbeat.policy_id)
    except ValidationError as exc:
        # The policy pages nobody: nothing can be opened, and retrying will not change that.
        log.error("heartbeat %s (%s): its policy refused the alert: %s", heartbeat.pk, heartbeat.name, exc)
        return None
    return outcome.incident_id


def heartbeat_timeout_changed(*, heartbeat: Heartbeat) -> None:
    """After an edit of the timeout: an armed heartbeat's timer waits for the new deadline.

    A longer timeout needs nothing (the old timer would find the deadline moved), a shorter one
    would be seen only at the old deadline, so the heartbeat is armed again from its last ping.
    """
    with transaction.atomic():
        heartbeat = Heartbeat.objects.select_for_update().get(pk=heartbeat.pk)
        if heartbeat.state != HeartbeatState.UP:
            return
        heartbeat.generation += 1
        heartbeat.save(update_fields=["generation"])
        _schedule(heartbeat, due_at=heartbeat.deadline)


def heartbeat_pause(*, heartbeat: Heartbeat) -> Heartbeat:
    """No incident while paused; its pending timer sees the new generation and stops."""
    with transaction.atomic():
        heartbeat = Heartbeat.objects.select_for_update().get(pk=heartbeat.pk)
        heartbeat.state = HeartbeatState.PAUSED
        heartbeat.generation += 1
        heartbeat.save(update_fields=["state", "generation"])
    return heartbeat


def heartbeat_resume(*, heartbeat: Heartbeat) -> Heartbeat:
    """Back to waiting for a first ping, which arms it: a job stopped for maintenance may take a while."""
    Heartbeat.objects.filter(pk=heartbeat.pk, state=HeartbeatState.PAUSED).update(state=HeartbeatState.NEW)
    heartbeat.refresh_from_db()
    return heartbeat
