"""SNS notifications after verification: store raw first, then act.

``notification_receive`` is what ``POST /sns/`` calls with a verified envelope. It inserts the
envelope under its ``MessageId`` (unique), and only the request whose INSERT won goes on to
process it, so a redelivery (even one racing the first delivery) is answered without acting
twice. Processing failures never reach SNS as errors: the row is marked ``failed`` with the
error and the admin can re-run it (``notification_reprocess``).

The simulator (``messaging.simulator.events``) puts AWS-shaped messages through
``notification_receive``, exactly the path a verified SNS notification takes.
"""

from __future__ import annotations

import logging
import sys
import traceback
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from messaging.audience.s3_drop import s3_event_act
from messaging.email_in.services import email_receipt_act
from messaging.events.apply import delivery_event_apply
from messaging.events.aws import parse_provider_message, parse_whatsapp_messages
from messaging.inbound.ingest_pg import event_notification_receive, fast_path_applies
from messaging.inbound.router import inbound_sms_create, inbound_sms_receive, inbound_sms_route
from messaging.inbound.sns_message import decode_message, notification_kind
from messaging.inbound.sns_storage import envelope_for_storage, envelope_from_storage
from messaging.inbound.sns_verify import (
    SUBSCRIPTION_CONFIRMATION,
    SnsRejected,
    check_subscribe_url,
    topic_listed,
    verify,
)
from messaging.models import NotificationKind, NotificationStatus, SnsNotification
from messaging.values.storable import clean_text

log = logging.getLogger(__name__)

CONFIRM_TIMEOUT_SECONDS = 5
_EVENT_KINDS = (NotificationKind.SMS_EVENT, NotificationKind.SES_EVENT, NotificationKind.WHATSAPP_EVENT)


def notification_envelope(notification: SnsNotification) -> dict:
    """The envelope exactly as SNS sent it (the stored row may hold an escaped copy)."""
    return envelope_from_storage(notification.raw)


def _row_fields(envelope: dict, *, kind: str | None = None, expect_outcome: bool = False) -> dict:
    sns_type = envelope.get("Type", "")
    kind = kind or notification_kind(decode_message(envelope), sns_type)
    fields = dict(
        type=sns_type[:40], topic_arn=_column_text(envelope.get("TopicArn", ""), 300),
        subject=_column_text(envelope.get("Subject") or "", 300), raw=envelope_for_storage(envelope), kind=kind,
        subscribe_url=_column_text(envelope.get("SubscribeURL") or "", 2000),
    )
    if expect_outcome:
        # Written in the same transaction as the processing that reaches it, saving an UPDATE.
        other = kind == NotificationKind.OTHER
        fields["status"] = NotificationStatus.IGNORED if other else NotificationStatus.PROCESSED
        fields["processed_at"] = timezone.now()
    return fields


def _column_text(value, length: int) -> str:
    # The columns are for people reading the admin: a NUL shows as U+FFFD; raw has the original.
    return clean_text(str(value), nul="\ufffd")[:length]


def notification_store(*, envelope: dict, kind: str | None = None) -> tuple[SnsNotification, bool]:
    """Insert a verified envelope. Returns (row, created); ``created`` is False for a redelivery.

    The unique ``message_id`` decides: of two concurrent deliveries exactly one INSERT succeeds.
    """
    try:
        with transaction.atomic():
            return SnsNotification.objects.create(message_id=envelope["MessageId"],
                                                  **_row_fields(envelope, kind=kind)), True
    except IntegrityError:
        return SnsNotification.objects.get(message_id=envelope["MessageId"]), False


def notification_receive(*, envelope: dict) -> tuple[SnsNotification, bool]:
    """Store, then (only if this delivery is the first) process. Never raises for processing.

    Delivery events and "anything else" are stored and acted on in one transaction. On
    PostgreSQL a notification with one plain delivery event is a single prepared statement
    (``messaging.inbound.ingest_pg``); the rest share one transaction with no savepoints, one commit and a
    handful of round trips. If processing raises, that work is rolled back whole and the
    notification is then stored on its own as ``failed`` with the error, for the admin's re-run.
    A crash half-way leaves nothing behind, and SNS, which got no 200, delivers it again.

    An inbound SMS is stored and routed in one transaction, its routing in a savepoint so that the
    InboundSms row survives a handler failure as ``failed`` (``_inbound_sms_receive``).
    Confirmations are committed before the SubscribeURL is fetched, because an HTTP call never
    runs inside a transaction.
    """
    message = decode_message(envelope)
    kind = notification_kind(message, envelope.get("Type", ""))
    if kind == NotificationKind.INBOUND_SMS and message.get("inboundMessageId"):
        done = _inbound_sms_receive(envelope, message)
        if done is not None:
            return done
    # WhatsApp messages in are routed like inbound SMS: stored and committed first.
    routed = kind == NotificationKind.WHATSAPP_EVENT and bool(parse_whatsapp_messages(message))
    if routed or (kind not in _EVENT_KINDS and kind != NotificationKind.OTHER):
        notification, created = notification_store(envelope=envelope, kind=kind)
        if created:
            # Acted on from what was decoded above: never decoded again from the stored copy.
            notification.status = _process(notification, message, kind)
        return notification, created
    inserted = fast = False
    try:
        events = parse_provider_message(message) if kind in _EVENT_KINDS else []
        if fast_path_applies(events):
            fast = True
            return event_notification_receive(envelope=envelope, kind=kind, event=events[0])
        with transaction.atomic():
            notification = SnsNotification.objects.create(
                message_id=envelope["MessageId"], **_row_fields(envelope, kind=kind, expect_outcome=True))
            inserted = True
            for event in events:
                delivery_event_apply(event=event, notification=notification)
        return notification, True
    except (OperationalError, InterfaceError):
        # The database is unreachable (or SQLite is locked): nothing was committed. Raising makes
        # the view answer 503, and SNS delivers it again once the database is back.
        raise
    except IntegrityError:
        if not inserted and not fast:  # the unique MessageId: a redelivery, possibly racing the first
            return SnsNotification.objects.get(message_id=envelope["MessageId"]), False
        error = _describe_failure(envelope)
    except Exception:
        error = _describe_failure(envelope)
    notification, created = notification_store(envelope=envelope, kind=kind)
    if created:
        _finish(notification, NotificationStatus.FAILED, error)
        notification.status = NotificationStatus.FAILED
    return notification, created


def _inbound_sms_receive(envelope: dict, message: dict) -> tuple[SnsNotification, bool] | None:
    """A first delivery of an inbound SMS in one transaction and one commit: the notification (as
    processed), the SMS, and its routing inside a savepoint. A handler that raises rolls back only
    the savepoint; the SMS and the notification are then kept as ``failed`` with the error, for
    the admin's re-run, as before. A crash half-way leaves nothing, and SNS delivers it again.

    None when either id is already stored (a redelivery, or the same SMS in another
    notification) or a field does not fit: the general path sorts out which, as it always has.
    """
    try:
        with transaction.atomic():
            notification = SnsNotification.objects.create(
                message_id=envelope["MessageId"],
                **_row_fields(envelope, kind=NotificationKind.INBOUND_SMS, expect_outcome=True))
            inbound = inbound_sms_create(payload=message, notification=notification)
            try:
                inbound_sms_route(inbound=inbound, fresh=True)
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                error = _describe_failure(envelope)
                SnsNotification.objects.filter(pk=notification.pk).update(status=NotificationStatus.FAILED,
                                                                          error=error)
                notification.status, notification.error = NotificationStatus.FAILED, error
        return notification, True
    except (IntegrityError, DataError):
        # DataError: a field too long for its column (PostgreSQL); the general path stores the
        # notification first and records the failure on it, as it always has.
        return None


def sns_delivery_receive(*, body: bytes) -> tuple[int, str]:
    """One ``POST /sns/`` body: verify, store, act. Returns the HTTP status and text to answer.

    Database errors are not caught here: nothing half is stored when they happen, and the view
    answers 503 so that SNS delivers the body again.
    """
    try:
        envelope = verify(body)
    except SnsRejected as exc:
        if exc.envelope is None:
            log.warning("SNS delivery refused (%s): %s", exc.status, exc.reason)
            return exc.status, exc.reason
        # Signed by SNS but for a topic we do not take: kept for the admin, answered as refused.
        notification_receive(envelope=exc.envelope)
        return exc.status, exc.reason
    notification, created = notification_receive(envelope=envelope)
    # 200 in every case after storage, failed processing included: SNS retrying would only
    # produce a redelivery that is (rightly) not processed again; the admin re-runs failures.
    return 200, f"{'stored' if created else 'duplicate'}: {notification.status}"


def _describe_failure(envelope: dict) -> str:
    log.exception("SNS notification %s failed", envelope.get("MessageId"))
    exc = sys.exc_info()[1]
    return f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"


def _finish(notification: SnsNotification, status: str, error: str = "") -> None:
    SnsNotification.objects.filter(pk=notification.pk).update(
        status=status, error=error, processed_at=timezone.now())


def notification_process(*, notification: SnsNotification) -> str:
    """Act on a stored notification (a re-run, or one left "received"), read back from storage;
    returns its new status. A failure is recorded, not raised."""
    message = decode_message(notification_envelope(notification))
    return _process(notification, message, notification_kind(message, notification.type))


def _act_inbound_sms(notification: SnsNotification, message: dict) -> tuple[str, str]:
    # Not one transaction: the inbound row must survive a handler failure (marked failed).
    inbound_sms_receive(payload=message, notification=notification)
    return NotificationStatus.PROCESSED, ""


def _act_events(notification: SnsNotification, message: dict) -> tuple[str, str]:
    with transaction.atomic():
        for event in parse_provider_message(message):
            delivery_event_apply(event=event, notification=notification)
    if notification.kind == NotificationKind.WHATSAPP_EVENT:
        for payload in parse_whatsapp_messages(message):
            inbound_sms_receive(payload=payload, notification=notification)
    return NotificationStatus.PROCESSED, ""


def _act_s3(notification: SnsNotification, message: dict) -> tuple[str, str]:
    return s3_event_act(notification=notification, message=message)  # note: why it was refused, if it was


def _act_email(notification: SnsNotification, message: dict) -> tuple[str, str]:
    return email_receipt_act(notification=notification, message=message)


def _act_subscription(notification: SnsNotification, message) -> tuple[str, str]:
    return _subscription_received(notification), ""


def _act_recorded(notification: SnsNotification, message) -> tuple[str, str]:
    # An unsubscribe confirmation is recorded for the admin; there is nothing to undo on our side.
    return NotificationStatus.PROCESSED, ""


def _act_ignored(notification: SnsNotification, message) -> tuple[str, str]:
    return NotificationStatus.IGNORED, ""


# What each kind of notification does, looked up once per notification (as anymail's webhook
# base dispatches on its event type): one decode and one classify feed it.
_ACTIONS = {
    NotificationKind.INBOUND_SMS: _act_inbound_sms,
    NotificationKind.SMS_EVENT: _act_events,
    NotificationKind.SES_EVENT: _act_events,
    NotificationKind.WHATSAPP_EVENT: _act_events,
    NotificationKind.S3_EVENT: _act_s3,
    NotificationKind.INBOUND_EMAIL: _act_email,
    NotificationKind.SUBSCRIPTION: _act_subscription,
    NotificationKind.UNSUBSCRIBE: _act_recorded,
}


def _process(notification: SnsNotification, message: dict | None, kind: str) -> str:
    if kind != notification.kind:
        SnsNotification.objects.filter(pk=notification.pk).update(kind=kind)
        notification.kind = kind
    try:
        status, note = _ACTIONS.get(kind, _act_ignored)(notification, message)
        if note:  # why it was refused (or not acted on), where the admin shows it
            _finish(notification, status, note)
            return status
    except (OperationalError, InterfaceError):
        # Not the notification's fault: it stays "received", which notifications_resume picks up
        # once the database answers again (SNS's redelivery meanwhile is a duplicate).
        raise
    except Exception as exc:
        log.exception("SNS notification %s failed", notification.message_id)
        error = f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=8)}"
        _finish(notification, NotificationStatus.FAILED, error)
        return NotificationStatus.FAILED
    if status != notification.status:
        _finish(notification, status)
    return status


_HOW_TO_CONFIRM = (
    "To take this topic, add it to SNS_TOPIC_ARNS and then confirm the subscription in the admin "
    "(SNS notifications, action 'Confirm the selected subscriptions') within 3 days, or request "
    "confirmation again from the SNS console."
)


def _subscription_received(notification: SnsNotification) -> str:
    """Confirm automatically only a topic listed in SNS_TOPIC_ARNS; anything else waits."""
    if not topic_listed(notification.topic_arn):
        note = f"Not confirmed: topic {notification.topic_arn} is not listed in SNS_TOPIC_ARNS. {_HOW_TO_CONFIRM}"
        log.warning("SNS SubscriptionConfirmation %s stored. %s", notification.message_id, note)
        # Kept "received" (waiting for the admin) with the reason where the admin shows it.
        _finish(notification, NotificationStatus.RECEIVED, note)
        notification.error = note
        return NotificationStatus.RECEIVED
    if not settings.SNS_AUTO_CONFIRM:
        log.info("SNS SubscriptionConfirmation %s for %s waits for the admin (SNS_AUTO_CONFIRM is off).",
                 notification.message_id, notification.topic_arn)
        return NotificationStatus.RECEIVED  # waits for the admin's "confirm subscription" action
    ok, error = subscription_confirm(notification=notification)
    if not ok:
        raise RuntimeError(error)
    return NotificationStatus.PROCESSED


def subscription_confirm(*, notification: SnsNotification) -> tuple[bool, str]:
    """GET the SubscribeURL of a verified SubscriptionConfirmation. Returns (ok, error)."""
    url = notification.subscribe_url or notification_envelope(notification).get("SubscribeURL", "")
    if notification.type != SUBSCRIPTION_CONFIRMATION:
        return False, "not a SubscriptionConfirmation"
    if not check_subscribe_url(url):
        # The envelope was signed by SNS, but we still only ever fetch from an SNS host.
        return False, "SubscribeURL is not an Amazon SNS https URL; not fetched"
    try:
        response = requests.get(url, timeout=CONFIRM_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        return False, f"confirming failed: {exc}"
    if response.status_code != 200:
        return False, f"confirming failed: SNS answered {response.status_code}"
    SnsNotification.objects.filter(pk=notification.pk).update(
        confirmed_at=timezone.now(), status=NotificationStatus.PROCESSED, error="", processed_at=timezone.now())
    return True, ""


def notification_reprocess(*, notification: SnsNotification) -> str | None:
    """Re-run a failed (or never finished) notification. Returns its new status, None if skipped."""
    claimed = SnsNotification.objects.filter(
        pk=notification.pk, status__in=[NotificationStatus.FAILED, NotificationStatus.RECEIVED],
    ).exclude(kind=NotificationKind.SUBSCRIPTION).update(status=NotificationStatus.RECEIVED, error="")
    if not claimed:
        return None
    notification.refresh_from_db()
    return notification_process(notification=notification)


# A notification still "received" after this long was stored by a process that died before it
# acted (inbound SMS are committed before routing); younger ones may still be in flight.
RESUME_AFTER = timedelta(minutes=2)


def notifications_resume() -> int:
    """Scheduled every minute: finish notifications whose processing never completed.

    Subscription confirmations are left alone: "received" is where they wait for the admin.
    Returns how many were processed.
    """
    stuck = (SnsNotification.objects.filter(status=NotificationStatus.RECEIVED,
                                            received_at__lt=timezone.now() - RESUME_AFTER)
             .exclude(kind=NotificationKind.SUBSCRIPTION).order_by("received_at")[:200])
    return sum(notification_reprocess(notification=n) is not None for n in stuck)


def subscriptions_confirm(*, notifications) -> list[tuple[SnsNotification, bool, str]]:
    """Confirm the subscription confirmations among ``notifications`` (a queryset); others are passed over."""
    return [(n, *subscription_confirm(notification=n)) for n in notifications.filter(type="SubscriptionConfirmation")]


@dataclass(frozen=True)
class RerunResult:
    done: int
    failed: int
    skipped: int


def notifications_rerun(*, notifications) -> RerunResult:
    """Re-run processing of each; those already processed are skipped, and counted as such."""
    results = [notification_reprocess(notification=n) for n in notifications]
    done = [r for r in results if r is not None]
    return RerunResult(done=len(done), failed=sum(1 for r in done if r == NotificationStatus.FAILED),
                       skipped=len(results) - len(done))
