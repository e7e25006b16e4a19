"""Alert intake: store the body, then open, absorb or resolve the incident its key names.

Store first: the raw body is the first row written, in the transaction that acts on it, so a
repeat costs one commit. If acting fails unexpectedly the body is stored again on its own,
``failed`` with the error, and the sender is told it was accepted (202): from then on the portal
owns it, and incidents.alerts.retry acts on it again (a sender retrying too would act twice). A
refusal (a policy that pages nobody) rolls back whole, like every 400, leaving nothing. Keys are
stored whole, whatever their length, and looked up by their hash (incidents.alerts.keys). The
transaction decides:

- no open group for (policy, dedup key): open an incident from the policy and its group;
- an open group: absorb the alert (counted, on the timeline, nobody paged, the chain untouched);
- a ``resolved`` alert: resolve the group's incident through incidents.services.

Two alerts with the same key at the same instant both find no group and both try to open one;
the partial unique constraint on AlertGroup lets one insert win, the other's transaction
(incident and pages with it) rolls back and it retries, finding the winner's group to absorb.
A group whose incident a person resolved (SMS, admin) is closed the next time its key arrives,
so every way of resolving an incident works without the services knowing about alerts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.alerts.alertmanager import ParsedAlert, alert_description, alert_urgency, alertmanager_parse
from incidents.alerts.keys import dedup_key_hash
from incidents.alerts.routing import integration_policy
from incidents.alerts.selectors import alert_group_count_repeat, policy_for_alert, policy_storm_active
from incidents.alerts.storms import storm_group, storm_limits
from incidents.models import (
    Alert,
    AlertGroup,
    AlertIntegration,
    AlertSource,
    AlertState,
    AlertStatus,
    EscalationPolicy,
    EventKind,
    Incident,
    IncidentStatus,
    MaintenanceWindow,
)
from incidents.paging import timeline_event
from incidents.services import incident_open, incident_open_held, incident_resolve
from incidents.snapshots import snapshot_from_policy, snapshot_levels
from messaging.values.storable import clean_json

log = logging.getLogger(__name__)

# Who a resolution by the source is recorded as ("resolved by Alertmanager").
RESOLVED_BY = {AlertSource.ALERTMANAGER: "Alertmanager", AlertSource.GENERIC: "the alert's source"}
# Losing the insert race more than this often would mean something else is wrong.
ATTEMPTS = 3


@dataclass(frozen=True)
class AlertOutcome:
    incident_id: int | None
    created: bool = False
    resolved: bool = False
    # Stored, but acting on it failed: the id of the alert the retry sweep will act on.
    failed_alert: int | None = None


def alert_store(*, source: str, body, policy_id: int | None, dedup_key: str = "",
                status: str = AlertStatus.FIRING, received_at=None) -> Alert:
    """The raw body as a row not yet saved (cleaned of what jsonb cannot hold, NUL).

    The key is stored whole, whatever its length; lookups go by its hash (incidents.alerts.keys).
    Saved by ``_record`` with what was done, in the transaction that does it: one INSERT.
    """
    return Alert(source=source, body=clean_json(body), policy_id=policy_id, dedup_key=dedup_key,
                 key_hash=dedup_key_hash(dedup_key), status=status, received_at=received_at or timezone.now())


def _record(alert: Alert, *, incident_id: int | None, outcome: str) -> None:
    """Save the alert with what was done: an INSERT for a new one, an UPDATE for a retried one."""
    alert.incident_id, alert.outcome = incident_id, outcome[:300]
    if alert.pk is None:
        alert.save(force_insert=True)
    else:
        Alert.objects.filter(pk=alert.pk).update(incident_id=incident_id, outcome=alert.outcome)


def _saved(alert: Alert) -> Alert:
    """The alert with an id: a keyless alert names its group after it."""
    if alert.pk is None:
        alert.save(force_insert=True)
    return alert


def _key(alert: Alert, parsed: ParsedAlert) -> str:
    """The group's key: the alert's dedup key, or one no other alert has (a keyless alert is its own problem)."""
    return parsed.dedup_key or f"alert:{_saved(alert).pk}"


def _group_create(alert: Alert, parsed: ParsedAlert, **fields) -> AlertGroup:
    key = _key(alert, parsed)
    return AlertGroup.objects.create(dedup_key=key, key_hash=dedup_key_hash(key), **fields)


def _firing_note(parsed: ParsedAlert) -> str:
    note = f"{parsed.firing} firing"
    return f"{note}, {parsed.resolved} resolved" if parsed.resolved else note


def _open_group(*, policy_id: int, dedup_key: str) -> AlertGroup | None:
    """The open group for this key, locked; one whose incident was resolved meanwhile is closed."""
    # At most one row (the constraint): no ORDER BY, as first() would add. Only the group row is
    # locked: locking its incident too would queue every storm member behind one row.
    found = list(AlertGroup.objects.select_for_update(of=("self",)).select_related("incident")
                 .filter(policy_id=policy_id, key_hash=dedup_key_hash(dedup_key), is_open=True)[:1])
    group = found[0] if found else None
    if group is not None and group.incident.status == IncidentStatus.RESOLVED:
        group.is_open = False
        group.save(update_fields=["is_open"])
        return None
    return group


def _absorb(alert: Alert, policy_id: int, parsed: ParsedAlert) -> AlertOutcome | None:
    """A repeat: count it on its open group, put it on the incident's timeline, store it; None when
    no open group has its key.

    The common case in an outage (Alertmanager re-sends the group every group_interval), so it
    is three statements: the group is found, locked and counted by one UPDATE (as a SELECT FOR
    UPDATE would lock it), then the timeline entry and the alert are inserted.
    """
    now = timezone.now()
    incident = alert_group_count_repeat(policy_id=policy_id, key_hash=dedup_key_hash(parsed.dedup_key),
                                        firing=parsed.firing, now=now)
    if incident is None:
        return None
    if incident.status == IncidentStatus.RESOLVED:
        return None  # a person resolved it since (SMS, admin): the group is closed; the key opens a new one
    note = f"alert repeated, {_firing_note(parsed)}"
    timeline_event(incident, EventKind.ALERT_REPEATED, note=note, at=now)
    _record(alert, incident_id=incident.pk, outcome=f"Absorbed by #{incident.pk}: {note}.")
    return AlertOutcome(incident_id=incident.pk)


def _open(alert: Alert, policy_id: int, parsed: ParsedAlert) -> AlertOutcome:
    now = timezone.now()
    policy = policy_for_alert(policy_id=policy_id, now=now)
    if policy is None:
        raise ValidationError({"policy": [f"No escalation policy has the id {policy_id}."]})
    # Taken once: checked here (a repeat never needs the chain) and handed to incident_open.
    snapshot = snapshot_from_policy(policy=policy)
    if not snapshot_levels(snapshot=snapshot):
        raise ValidationError({"policy": [f"Policy {policy.pk} ({policy}) pages nobody: give it a level with "
                                          "contacts."]})
    if policy.active_window_id is not None:
        return _open_held(alert, policy, parsed, snapshot)
    storm = policy_storm_active(policy=policy)
    if storm:
        # One storm incident at a time. NO KEY UPDATE: a plain FOR UPDATE would also wait for (and
        # deadlock with) every transaction inserting a row that points at the policy.
        EscalationPolicy.objects.select_for_update(no_key=True).filter(pk=policy.pk).first()
        joined = storm_group(policy=policy)
        if joined is not None:
            return _join_storm(alert, joined.incident, policy, parsed)
    source = AlertSource(alert.source).label
    description = alert_description(summary=parsed.summary, details=parsed.details)
    if storm:
        limit, minutes = storm_limits()
        description = (f"Alert storm on {policy}: more than {limit} incidents in {minutes} min, so new alerts are "
                       f"grouped here. First: {description}")[:2000]
    incident = incident_open(description=description, url=parsed.url, policy=policy, snapshot=snapshot,
                             created_by=f"alert ({source})", urgency=alert_urgency(parsed))
    # A keyless alert gets a group of its own too: storms count groups, and find theirs by one.
    _group_create(alert, parsed, incident=incident, policy=policy, storm=storm, firing=parsed.firing,
                  last_alert_at=incident.created_at, opened_at=now)
    opener = RESOLVED_BY[alert.source] if alert.source != AlertSource.GENERIC else "an alert"
    timeline_event(incident, EventKind.ALERT_OPENED, at=incident.created_at,
                   note=f"{'alert storm ' if storm else ''}opened by {opener}, {_firing_note(parsed)}")
    _record(alert, incident_id=incident.pk, outcome=f"Opened #{incident.pk}.")
    return AlertOutcome(incident_id=incident.pk, created=True)


def _open_held(alert: Alert, policy: EscalationPolicy, parsed: ParsedAlert, snapshot: dict) -> AlertOutcome:
    """During a maintenance window: the incident is opened and held; its window's end pages."""
    window = MaintenanceWindow.objects.get(pk=policy.active_window_id)
    ends = timezone.localtime(window.end).strftime("%Y-%m-%d %H:%M %Z")
    incident = incident_open_held(description=alert_description(summary=parsed.summary, details=parsed.details),
                                  url=parsed.url, policy=policy, snapshot=snapshot,
                                  created_by=f"alert ({AlertSource(alert.source).label})",
                                  note=f"{window.reason[:120]}; pages at {ends} if still firing",
                                  urgency=alert_urgency(parsed))
    # The window's end pages through the group, so a keyless alert needs one as well.
    _group_create(alert, parsed, incident=incident, policy=policy, maintenance=window, firing=parsed.firing,
                  last_alert_at=incident.created_at, opened_at=incident.created_at)
    _record(alert, incident_id=incident.pk, outcome=f"Opened #{incident.pk}, in maintenance.")
    return AlertOutcome(incident_id=incident.pk, created=True)


def _join_storm(alert: Alert, incident: Incident, policy: EscalationPolicy, parsed: ParsedAlert) -> AlertOutcome:
    """A new group during a storm: counted and listed on the storm incident; nobody paged again."""
    now = timezone.now()
    _group_create(alert, parsed, incident=incident, policy=policy, storm=True, absorbed=1, firing=parsed.firing,
                  last_alert_at=now, opened_at=now)
    timeline_event(incident, EventKind.ALERT_GROUPED, at=now, note=f"{parsed.summary} ({_firing_note(parsed)})")
    _record(alert, incident_id=incident.pk, outcome=f"Grouped into alert storm #{incident.pk}.")
    return AlertOutcome(incident_id=incident.pk)


def _resolve(alert: Alert, policy_id: int, parsed: ParsedAlert) -> AlertOutcome:
    group = _open_group(policy_id=policy_id, dedup_key=parsed.dedup_key) if parsed.dedup_key else None
    if group is None:
        # No group to vouch for the policy (an open one points at it): the 400 a firing alert gets.
        if not EscalationPolicy.objects.filter(pk=policy_id).exists():
            raise ValidationError({"policy": [f"No escalation policy has the id {policy_id}."]})
        _record(alert, incident_id=None, outcome="Resolved, but no incident was open for this key.")
        return AlertOutcome(incident_id=None)
    AlertGroup.objects.filter(pk=group.pk).update(is_open=False, firing=0, last_alert_at=timezone.now())
    if AlertGroup.objects.filter(incident_id=group.incident_id, is_open=True).exists():
        # A storm incident stays open while any of its groups still fires.
        timeline_event(group.incident, EventKind.ALERT_RESOLVED, note=f"{parsed.summary} resolved")
        _record(alert, incident_id=group.incident_id, outcome=f"Resolved its group on #{group.incident_id}.")
        return AlertOutcome(incident_id=group.incident_id)
    incident_resolve(incident_id=group.incident_id, resolved_by=RESOLVED_BY[alert.source])
    _record(alert, incident_id=group.incident_id, outcome=f"Resolved #{group.incident_id}.")
    return AlertOutcome(incident_id=group.incident_id, resolved=True)


def alert_route(*, integration: AlertIntegration | None, policy_id: int | None, body: dict) -> int:
    """The policy an alert pages: the one named, or the first of the integration's routes its labels
    match (else the integration's default). The serializer has checked that one of them is given."""
    if integration is None:
        return policy_id
    alerts = body.get("alerts") or [{}]
    labels = body.get("commonLabels") or alerts[0].get("labels") or {}
    return integration_policy(integration=integration, labels=labels).pk


def alert_receive(*, source: str, body, parsed: ParsedAlert, policy_id: int | None = None,
                  integration: AlertIntegration | None = None) -> AlertOutcome:
    """Route ``body``, store it and act on it as ``parsed`` says (its shape already validated).

    Past validation the body is ours: if acting fails, the body is stored ``failed`` with the
    error and the outcome says so (``failed_alert``); incidents.alerts.retry acts on it again.
    A refusal (no such policy, a policy that pages nobody) is a 400, and nothing is stored.
    """
    policy_id = alert_route(integration=integration, policy_id=policy_id, body=body)
    # When it came, kept through the attempts: a failed alert is stored later, and the retry must
    # still know which of two alerts with one key came first (incidents.alerts.retry).
    arrived = timezone.now()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                alert = alert_store(source=source, body=body, policy_id=policy_id, dedup_key=parsed.dedup_key,
                                    status=parsed.status, received_at=arrived)
                return alert_act(alert, policy_id, parsed)
        except IntegrityError as exc:
            # Another request opened this key's group first; the next attempt absorbs into it.
            if attempt == ATTEMPTS:
                return _store_failed(source, body, policy_id, parsed,
                                     f"lost the race to open its group too often: {exc}", arrived)
            log.info("an alert lost the race to open its group (key hash %s); retrying",
                     dedup_key_hash(parsed.dedup_key))
        except ValidationError:
            raise
        except Exception as exc:
            log.exception("acting on an alert failed; stored to retry")
            # If the database itself is down this raises too, and the sender retries: nothing was stored.
            return _store_failed(source, body, policy_id, parsed, f"{type(exc).__name__}: {exc}", arrived)
    raise AssertionError("unreachable")


def alert_act(alert: Alert, policy_id: int, parsed: ParsedAlert) -> AlertOutcome:
    """Open, absorb or resolve for ``alert`` (new, or stored and failed), inside the caller's transaction."""
    if parsed.status == AlertStatus.RESOLVED:
        return _resolve(alert, policy_id, parsed)
    if parsed.dedup_key:
        absorbed = _absorb(alert, policy_id, parsed)
        if absorbed is not None:
            return absorbed
    return _open(alert, policy_id, parsed)


def _store_failed(source, body, policy_id, parsed: ParsedAlert, error: str, arrived) -> AlertOutcome:
    alert = alert_store(source=source, body=body, policy_id=policy_id, dedup_key=parsed.dedup_key,
                        status=parsed.status, received_at=arrived)
    alert.state, alert.error, alert.outcome = AlertState.FAILED, error, f"Failed, to be retried: {error}"[:300]
    alert.save(force_insert=True)
    return AlertOutcome(incident_id=None, failed_alert=alert.pk)


def integration_send_test_alert(*, integration: AlertIntegration, by: str) -> AlertOutcome:
    """An Alertmanager-shaped firing alert through the integration's routes, as the monitor would send.

    Each press is its own group (the time is in its key), so it always opens an incident and pages
    whoever the routes pick: the point is to see the whole path work, phones included.
    """
    now = timezone.now()
    labels = {"alertname": "PortalTestAlert", "integration": integration.name}
    body = {
        "version": "4", "status": AlertStatus.FIRING, "receiver": integration.name,
        "groupKey": f"portal-test-alert:{integration.pk}:{now.isoformat()}",
        "groupLabels": {"alertname": "PortalTestAlert"}, "commonLabels": labels,
        "commonAnnotations": {"summary": f"Test alert for {integration.name}, sent by {by}. Reply YES to close "
                                         "the loop."},
        "externalURL": "", "truncatedAlerts": 0,
        "alerts": [{"status": AlertStatus.FIRING, "labels": labels, "annotations": {}, "startsAt": now.isoformat(),
                    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": "portal-test"}],
    }
    return alert_receive(source=AlertSource.ALERTMANAGER, body=body, integration=integration,
                         parsed=alertmanager_parse(body))
