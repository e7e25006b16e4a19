"""A delivery-event notification stored and applied in one SQL statement (PostgreSQL).

Why this exists: provider events arrive by the thousand per campaign, and on the ORM path each
one costs six round trips to the database (BEGIN, INSERT notification, SELECT message, INSERT
event, UPDATE message, COMMIT), which is most of the request's time. Here the same work is one
INSERT ... ON CONFLICT with data-modifying CTEs. In autocommit it is its own transaction, so
the notification, its event and the message's new status commit together or not at all,
exactly as on the ORM path, and the unique ``MessageId`` still lets only the first delivery act.

Only the common shape takes this path (``fast_path_applies``): one event that needs nothing
but the message-log row (no suppression to record, no second id to match). Everything else, and
every other database, goes the ORM way in ``messaging.inbound.notifications``;
``tests/messaging/inbound/test_ingest.py`` runs both paths on the same inputs and compares what
they leave behind.
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import nullcontext
from functools import cache

import psycopg
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.utils import timezone

from messaging.consent.suppression import suppression_applies
from messaging.events.apply import STATUS_FOR_EVENT, run_outcome_hooks
from messaging.events.types import NormalizedEvent
from messaging.inbound.sns_storage import envelope_for_storage
from messaging.models import (
    STATUS_RANK,
    DeliveryEvent,
    MessageStatus,
    NotificationStatus,
    OutboundMessage,
    SnsNotification,
)
from messaging.values.storable import clean_json, clean_text, unstorable

_MESSAGE_FIELDS = OutboundMessage._meta.concrete_fields
_MESSAGE_ATTNAMES = [f.attname for f in _MESSAGE_FIELDS]


def fast_path_applies(events: list[NormalizedEvent]) -> bool:
    if connection.vendor != "postgresql" or len(events) != 1:
        return False
    event = events[0]
    return bool(event.provider_message_id) and not event.alt_message_id and not suppression_applies(
        channel=event.channel, event_type=event.event_type, permanent=event.permanent)


@cache
def _statement(new_status: str | None, has_parts: bool, has_price: bool) -> str:
    """The statement for one kind of status change; the few variants are built once each."""
    # The columns a status change writes, mirroring events._advance_status. They are guarded by
    # the row's current status, re-read under the row lock, so status never moves backwards.
    advance: dict[str, str] = {}
    if new_status is not None:
        advance["status"] = "%(new_status)s"
        if new_status == MessageStatus.DELIVERED:
            advance["delivered_at"] = "%(at)s"
        elif new_status == MessageStatus.FAILED:
            advance.update(failed_at="%(at)s", error_code="%(error_code)s", error="%(error)s")
        elif new_status == MessageStatus.SENT:
            advance["sent_at"] = "COALESCE(o.sent_at, %(now)s)"
    sets = [f"{col} = CASE WHEN o.status = ANY(%(lower)s) THEN {value} ELSE o.{col} END"
            for col, value in advance.items()]
    if has_parts:
        sets.append("parts = %(parts)s")
    if has_price:
        sets.append("price = %(price)s")
    if not sets:
        sets.append("status = o.status")  # still returns the row for the outcome hooks
    returning = ", ".join(f"o.{f.column}" for f in _MESSAGE_FIELDS)
    return f"""
WITH n AS (
    INSERT INTO messaging_snsnotification
        (message_id, type, topic_arn, subject, raw, kind, status, error, received_at, processed_at,
         subscribe_url)
    VALUES (%(message_id)s, %(type)s, %(topic_arn)s, %(subject)s, %(raw)s::jsonb, %(kind)s,
            %(processed)s, '', %(now)s, %(now)s, '')
    ON CONFLICT (message_id) DO NOTHING
    RETURNING id
), m AS (
    SELECT id, channel FROM messaging_outboundmessage
    WHERE provider_message_id = %(pid)s OR provider_alt_id = %(pid)s
    ORDER BY id DESC LIMIT 1
), e AS (
    INSERT INTO messaging_deliveryevent
        (message_id, channel, provider_message_id, event_type, provider_event, permanent,
         description, recipient, parts, price, occurred_at, raw, notification_id, created_at)
    SELECT (SELECT id FROM m), COALESCE(NULLIF(%(channel)s, ''), (SELECT channel FROM m), ''),
           %(pid)s, %(event_type)s, %(provider_event)s, %(permanent)s::boolean, %(description)s,
           %(recipient)s, %(parts)s::integer, %(price)s::numeric, %(occurred_at)s::timestamptz,
           %(event_raw)s::jsonb, n.id, %(now)s
    FROM n
    RETURNING id, channel
), u AS (
    UPDATE messaging_outboundmessage o SET {", ".join(sets)}
    FROM n
    WHERE o.id = (SELECT id FROM m)
    RETURNING {returning}
)
SELECT (SELECT id FROM n), (SELECT id FROM e), (SELECT channel FROM e), u.*
FROM (SELECT 1) AS one LEFT JOIN u ON true
"""


def event_notification_receive(*, envelope: dict, kind: str,
                               event: NormalizedEvent) -> tuple[SnsNotification, bool]:
    """Store ``envelope`` and apply its one ``event`` in one statement. Returns (row, created).

    Raises like the ORM path would (the caller records the failure). A redelivery inserts
    nothing, changes nothing, and returns the stored row with ``created`` False.
    """
    now = timezone.now()
    event = _storable(event)
    stored = envelope_for_storage(envelope)
    new_status = STATUS_FOR_EVENT.get(event.event_type)
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[new_status]] if new_status else []
    params = {
        "message_id": envelope["MessageId"], "type": envelope.get("Type", "")[:40],
        "topic_arn": clean_text(str(envelope.get("TopicArn", "")), "\ufffd")[:300],
        "subject": clean_text(str(envelope.get("Subject") or ""), "\ufffd")[:300],
        "raw": json.dumps(stored), "kind": kind, "processed": NotificationStatus.PROCESSED, "now": now,
        "pid": event.provider_message_id, "channel": event.channel, "event_type": event.event_type,
        "provider_event": event.provider_event, "permanent": event.permanent,
        "description": event.description[:2000], "recipient": event.recipient, "parts": event.parts,
        "price": event.price, "occurred_at": event.occurred_at, "event_raw": json.dumps(event.raw),
        "new_status": new_status, "lower": lower, "at": event.occurred_at or now,
        "error_code": event.provider_event[:100], "error": event.description or event.provider_event,
    }
    sql = _statement(new_status, event.parts is not None, event.price is not None)
    conn = connections[DEFAULT_DB_ALIAS]
    # Inside a caller's transaction a savepoint keeps a failure from poisoning it; on its own
    # the statement needs no BEGIN/COMMIT around it, which is the point.
    with transaction.atomic() if conn.in_atomic_block else nullcontext():
        notification_id, event_id, channel, *message_row = _execute(conn, sql, params)
    if notification_id is None:  # the unique MessageId: a redelivery, possibly racing the first
        return SnsNotification.objects.get(message_id=envelope["MessageId"]), False

    # The rows as models, built from what was just written rather than read back.
    notification = _model(SnsNotification, conn, id=notification_id, message_id=envelope["MessageId"],
                          type=params["type"], topic_arn=params["topic_arn"], subject=params["subject"],
                          raw=stored, kind=kind, status=NotificationStatus.PROCESSED, error="", received_at=now,
                          processed_at=now, subscribe_url="", confirmed_at=None)
    if message_row[0] is not None:
        message = OutboundMessage.from_db(conn.alias, _MESSAGE_ATTNAMES, _converted(conn, message_row))
        event_row = _model(
            DeliveryEvent, conn, id=event_id, message_id=message.pk, channel=channel,
            provider_message_id=event.provider_message_id, event_type=event.event_type,
            provider_event=event.provider_event, permanent=event.permanent, description=params["description"],
            recipient=event.recipient, parts=event.parts, price=event.price, occurred_at=event.occurred_at,
            raw=event.raw, notification_id=notification_id, created_at=now)
        event_row.message, event_row.notification = message, notification
        if conn.in_atomic_block:
            conn.on_commit(lambda: run_outcome_hooks(event_row))
        else:  # committed already
            run_outcome_hooks(event_row)
    return notification, True


_TEXT_FIELDS = ("provider_message_id", "alt_message_id", "channel", "event_type", "provider_event", "description",
                "recipient")


def _storable(event: NormalizedEvent) -> NormalizedEvent:
    """``event`` with no NUL or lone surrogate left in what it writes, which PostgreSQL's text and
    jsonb refuse with an error. messaging.inbound.notifications.decode_message already cleans the
    Message it comes from; this keeps the statement safe whatever the parser adds."""
    changes = {}
    for name in _TEXT_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str) and (cleaned := clean_text(value)) != value:
            changes[name] = cleaned
    if unstorable(event.raw):
        changes["raw"] = clean_json(event.raw)
    return dataclasses.replace(event, **changes) if changes else event


def _execute(conn, sql: str, params: dict) -> tuple:
    """Run the statement as a server-side prepared statement on Django's own connection.

    Prepared, PostgreSQL plans the statement once per connection instead of on every
    notification (see DATABASE_PREPARED_STATEMENTS in settings). Django's cursor would bind
    the parameters on the client, which cannot be prepared, and would first ping the
    connection (CONN_HEALTH_CHECKS) at a round trip's cost; instead a connection that turns
    out to be dead is replaced and the statement sent once more. That is safe: the statement
    either committed (and the retry is a redelivery that changes nothing) or did not run.
    """
    conn.ensure_connection()
    try:
        return _execute_prepared(conn, sql, params)
    except OperationalError:
        if conn.in_atomic_block or conn.connection is None or not conn.connection.closed:
            raise
    conn.close()
    conn.ensure_connection()
    return _execute_prepared(conn, sql, params)


def _execute_prepared(conn, sql: str, params: dict) -> tuple:
    # Django's wrapper turns psycopg's errors into django.db's (so the view's 503 and the
    # callers' IntegrityError handling see them) and marks the connection for the health check.
    with conn.wrap_database_errors, psycopg.Cursor(conn.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def _model(model, conn, **values):
    """An instance of ``model`` from its column values, as if loaded; a field not given (one added
    to the model later, say) is deferred and read from the database if anyone asks for it."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(conn.alias, names, [values[name] for name in names])


_converters: list | None = None


def _converted(conn, values: list) -> list:
    """The message row's values as the ORM would load them (JSON decoded and so on)."""
    global _converters
    if _converters is None:  # the same for every PostgreSQL connection, so worked out once
        _converters = [(i, field, field.get_db_converters(conn) + conn.ops.get_db_converters(field))
                       for i, field in enumerate(_MESSAGE_FIELDS)]
        _converters = [entry for entry in _converters if entry[2]]
    values = list(values)
    for i, field, converters in _converters:
        for converter in converters:
            values[i] = converter(values[i], field, conn)
    return values
