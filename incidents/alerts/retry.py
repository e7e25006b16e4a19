"""Acting again on alerts that were stored but failed: the second half of "stored first, then acted on".

The intake answers 202 once a body is stored, even when acting on it failed, so nobody else
will send it again: this sweep (every minute, ``incidents.tasks.alerts_retry_failed``) and the
admin's "Retry now" are what finish it. Each retry takes its alert's row lock (SKIP LOCKED: a
second sweep passes over it) and acts in one transaction, exactly as the intake would have.

An alert is not replayed over newer news: when a later alert with the same key (and policy) was
already processed, the group's state moved on without it (Alertmanager re-sends the whole group
each time), so it is marked ``superseded`` instead. After ``MAX_ATTEMPTS`` the sweep leaves it
``failed``, shown in the admin with its error, until someone retries it there.
"""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError as ApiValidationError

from incidents.alerts.alertmanager import ParsedAlert, alertmanager_parse
from incidents.alerts.intake import alert_act
from incidents.alerts.serializers import GenericAlertSerializer
from incidents.models import Alert, AlertSource, AlertState

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BATCH = 100


def _parsed(alert: Alert) -> ParsedAlert:
    """What the stored body says, read as the intake read it."""
    if alert.source == AlertSource.ALERTMANAGER:
        return alertmanager_parse(alert.body)
    ser = GenericAlertSerializer(data={**alert.body, "policy": alert.policy_id})
    ser.is_valid(raise_exception=True)
    return ser.parsed()


def _superseded_by(alert: Alert) -> int | None:
    if not alert.key_hash:
        return None  # a keyless alert is a problem of its own: nothing later can stand for it
    # Later by arrival: a failed alert is stored after the attempts, so its id can be the larger.
    later = Q(received_at__gt=alert.received_at) | Q(received_at=alert.received_at, pk__gt=alert.pk)
    return (Alert.objects.filter(later, policy_id=alert.policy_id, key_hash=alert.key_hash,
                                 state=AlertState.PROCESSED).values_list("pk", flat=True).first())


def alert_retry(*, alert_id: int) -> str:
    """Act on one failed alert again; returns its state afterwards ("skipped" if it was not failed)."""
    try:
        with transaction.atomic():
            alert = (Alert.objects.select_for_update(skip_locked=True, of=("self",)).select_related("policy")
                     .filter(pk=alert_id, state=AlertState.FAILED).first())
            if alert is None:
                return "skipped"  # processed meanwhile, or another sweep holds it
            later = _superseded_by(alert)
            if later is not None:
                Alert.objects.filter(pk=alert.pk).update(
                    state=AlertState.SUPERSEDED, outcome=f"Superseded: alert {later}, with the same key, came later "
                                                         "and was processed.")
                return AlertState.SUPERSEDED
            if alert.policy is None:
                raise LookupError("its escalation policy was deleted")
            alert_act(alert, alert.policy_id, _parsed(alert))
            Alert.objects.filter(pk=alert.pk).update(state=AlertState.PROCESSED, error="",
                                                     attempts=F("attempts") + 1)
            return AlertState.PROCESSED
    except Exception as exc:  # recorded on the row for the admin; the next sweep tries again
        # A body that no longer validates (say its policy pages nobody now) reads as the 400 would.
        detail = json.dumps(exc.detail) if isinstance(exc, ApiValidationError) else str(exc)
        log.warning("retrying alert %s failed: %s", alert_id, detail)
        error = f"{type(exc).__name__}: {detail}"
        Alert.objects.filter(pk=alert_id).update(attempts=F("attempts") + 1, error=error,
                                                 outcome=f"Failed, to be retried: {error}"[:300])
        return AlertState.FAILED


def alerts_retry_failed() -> int:
    """The sweep: retry failed alerts, oldest first, that have not used up their attempts.

    Returns how many were processed or superseded.
    """
    ids = list(Alert.objects.filter(state=AlertState.FAILED, attempts__lt=MAX_ATTEMPTS)
               .order_by("received_at", "id").values_list("pk", flat=True)[:BATCH])
    return sum(alert_retry(alert_id=pk) in (AlertState.PROCESSED, AlertState.SUPERSEDED) for pk in ids)
