"""Retrying SMS whose delivery failed for a reason a retry can help.

A delivery-outcome hook (settings.DELIVERY_OUTCOME_HOOKS): an SMS failure event that is not
permanent (TEXT_CARRIER_UNREACHABLE, TEXT_TTL_EXPIRED, TEXT_UNKNOWN, ...) schedules a retry after
a backoff, at most ``SMS_DELIVERY_RETRIES`` times per original message. Each retry is a new
message-log row with ``retry_of`` pointing at the original. Permanent failures (TEXT_INVALID,
TEXT_BLOCKED, an opt-out, a permanent send error) never retry.

A primary sent by a fallback dispatch is not retried: the dispatch answers its failure with the
fallback channel instead.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging.models import (
    Channel,
    DeliveryEvent,
    DispatchAttempt,
    DispatchUseCase,
    EventType,
    OutboundMessage,
    Timer,
)
from messaging.outbound.send import message_send
from messaging.scheduling.backoff import backoff_seconds
from messaging.scheduling.timers import timer_schedule

RETRY_CALLBACK = "messaging.tasks.sms_retry_send"
# Timers written before the stable names: a fired one still counts as "already retried".
_RETRY_CALLBACKS = (RETRY_CALLBACK, "messaging.sms_retry.sms_retry_send")


def _in_fallback_dispatch(message: OutboundMessage) -> bool:
    return DispatchAttempt.objects.filter(message=message, dispatch__use_case=DispatchUseCase.FALLBACK).exists()


def sms_retry_on_delivery_outcome(*, event: DeliveryEvent) -> None:
    """Delivery-outcome hook: schedule a retry of a transiently failed SMS."""
    if event.event_type != EventType.FAILED or event.permanent is not False or event.message_id is None:
        return
    message = event.message
    if message.channel != Channel.SMS or _in_fallback_dispatch(message):
        return
    limit = settings.SMS_DELIVERY_RETRIES
    original_id = message.retry_of_id or message.pk
    with transaction.atomic():
        # One decision per failed message, even when its failure event is delivered twice at once.
        OutboundMessage.objects.select_for_update().filter(pk=message.pk).first()
        if Timer.objects.owned_by(message).filter(callback__in=_RETRY_CALLBACKS).exists():
            return
        done = OutboundMessage.objects.filter(retry_of_id=original_id).count()
        if done >= limit:
            return
        delay = backoff_seconds(settings.SMS_DELIVERY_RETRY_BACKOFF_SECONDS, done)
        timer_schedule(callback=RETRY_CALLBACK, due_at=timezone.now() + timedelta(seconds=delay),
                       kwargs={"message_id": message.pk}, owner=message,
                       label=f"SMS retry {done + 1}/{limit} of message #{original_id}")


def sms_retry_send(*, message_id: int) -> OutboundMessage:
    """Timer callback: send the failed SMS again as a new message-log row."""
    failed = OutboundMessage.objects.get(pk=message_id)
    original = failed.retry_of or failed
    return message_send(channel=failed.channel, recipient=failed.recipient, body=failed.body,
                        subject=failed.subject, sender=failed.sender, options=failed.options,
                        owner=failed.owner, retry_of=original)
