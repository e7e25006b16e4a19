"""Reads of the alert path, shaped so that a repeat and a new group cost as few statements as can be.

A repeat is the common case during an outage (Alertmanager re-sends a group every
``group_interval``): its open group is found, locked and counted by one UPDATE … RETURNING,
which also reads what the timeline entry needs of the incident. A new group reads its policy
once, with the policy's active maintenance window and its recent alert incidents (the storm
rule) as subqueries of the same statement.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from incidents.alerts.maintenance import maintenance_window_at
from incidents.alerts.storms import storm_opened_since, storm_reached
from incidents.models import AlertGroup, EscalationPolicy, Incident, IncidentStatus


def alert_group_count_repeat(*, policy_id: int, key_hash: str, firing: int, now: datetime) -> Incident | None:
    """Count one more alert on the open group of (policy, key), locking its row as SELECT FOR
    UPDATE would. Returns the group's incident as far as the timeline entry needs it (pk,
    status, level, round), or None when no group of that key is open.

    A group whose incident a person resolved meanwhile (SMS, admin) is closed by the same
    statement instead, its counts left as they were; the caller sees the resolved status and
    opens a new group.
    """
    qn = connection.ops.quote_name
    group, incident = qn(AlertGroup._meta.db_table), qn(Incident._meta.db_table)
    of_incident = f"FROM {incident} WHERE {incident}.{qn('id')} = {group}.{qn('incident_id')}"
    resolved = f"(SELECT {qn('status')} {of_incident}) = %s"

    def unless_resolved(column: str, value: str) -> str:
        return f"{qn(column)} = CASE WHEN {resolved} THEN {qn(column)} ELSE {value} END"

    sql = (f"UPDATE {group} SET {unless_resolved('absorbed', qn('absorbed') + ' + 1')}, "
           f"{unless_resolved('firing', '%s')}, {unless_resolved('last_alert_at', '%s')}, "
           f"{qn('is_open')} = CASE WHEN {resolved} THEN false ELSE {qn('is_open')} END "
           f"WHERE {qn('policy_id')} = %s AND {qn('key_hash')} = %s AND {qn('is_open')} "
           f"RETURNING {qn('incident_id')}, (SELECT {qn('status')} {of_incident}), "
           f"(SELECT {qn('level')} {of_incident}), (SELECT {qn('round')} {of_incident})")
    gone = IncidentStatus.RESOLVED
    params = [gone, gone, firing, gone, connection.ops.adapt_datetimefield_value(now), gone, policy_id, key_hash]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    incident_id, status, level, round_ = rows[0]
    return Incident(pk=incident_id, status=status, level=level, round=round_)


def policy_for_alert(*, policy_id: int, now: datetime) -> EscalationPolicy | None:
    """The policy a new group opens from, with ``active_window_id`` (a maintenance window on now,
    or None) and ``storm_opened`` (incidents its alerts opened in the storm window) read with it."""
    return (EscalationPolicy.objects.select_related("final_contact")
            .annotate(active_window_id=maintenance_window_at(now), storm_opened=storm_opened_since(now))
            .filter(pk=policy_id).first())


def policy_storm_active(*, policy: EscalationPolicy) -> bool:
    """Whether a policy read by ``policy_for_alert`` is in an alert storm."""
    return storm_reached(opened=policy.storm_opened)
