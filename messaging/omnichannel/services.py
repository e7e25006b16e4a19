"""Omnichannel dispatches: one message on a primary channel, with a fallback or a broadcast.

An omnichannel dispatch is what ``POST /api/v1/messages/`` makes (the models keep the name
``Dispatch``); it has nothing to do with the *dispatcher* role that raises incidents.

``dispatch_create`` sends the primary at once through the send service. In ``fallback`` mode it
also sets a durable timer (messaging.scheduling.timers) for ``fallback_seconds``; what happens next is
decided in one place, ``_fallback_decide``, with the dispatch row locked:

- a successful delivery event on the primary before the deadline cancels the fallback;
- a failure event on the primary (a bounce, a failed status, a permanent send error) sends the
  fallback at once; so does a suppressed primary;
- otherwise the timer sends the fallback at its due time.

Delivery events reach this module through ``DELIVERY_OUTCOME_HOOKS`` (settings), which
``messaging.events.apply.delivery_event_apply`` calls after commit with the stored DeliveryEvent.

Idempotency-Key (``dispatch_create_once``) is scoped per API key and bound to the body: as Stripe
does it, a repeat of the same key with the same body is answered with the first dispatch and
sends nothing; the same key with another body is a conflict (the API answers 422), since it is
either a client bug or a key reused for a new message that would otherwise be lost. Another API
key's identical Idempotency-Key is unrelated and creates its own dispatch.

Race safety: the fallback state only changes under ``select_for_update`` of the dispatch row,
and a unique constraint on (dispatch, role) refuses a second fallback attempt whatever happens.
The timer row is never locked while the dispatch row is held (the timer fires with its own row
locked and then locks the dispatch), so the two paths cannot deadlock.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.events.apply import FAILURE_EVENTS, SUCCESS_EVENTS
from messaging.models import (
    ApiKey,
    AttemptRole,
    DeliveryEvent,
    Dispatch,
    DispatchAttempt,
    DispatchUseCase,
    FallbackState,
    MessageStatus,
    owned_by_kind,
)
from messaging.outbound.send import message_send
from messaging.scheduling.timers import timer_cancel, timer_schedule

log = logging.getLogger(__name__)

# Stored in Timer.callback rows, so it is a stable name in messaging.tasks, not this module's path.
FALLBACK_CALLBACK = "messaging.tasks.dispatch_fallback_due"


@dataclass(frozen=True)
class ChannelSpec:
    """What one channel of a dispatch is sent with: ``message_send``'s keyword arguments."""

    channel: str
    recipient: str
    sender: str = ""
    body: str = ""
    subject: str = ""
    options: dict | None = None

    def as_dict(self) -> dict:
        return {"channel": self.channel, "recipient": self.recipient, "sender": self.sender, "body": self.body,
                "subject": self.subject, "options": dict(self.options or {})}


def dispatch_create(*, use_case: str, primary: ChannelSpec, fallback: ChannelSpec,
                    fallback_seconds: int | None = None, request_payload: dict | None = None,
                    api_key: ApiKey | None = None) -> tuple[Dispatch, bool]:
    """Create a dispatch and send what is due now. Returns ``(dispatch, created)``, always created.

    Idempotency-Key is scoped per API key and bound to the body; that is
    ``dispatch_create_once``, which wraps this call.
    """
    if use_case == DispatchUseCase.FALLBACK and not fallback_seconds:
        raise ValueError("fallback_seconds is required for the fallback use case")
    with transaction.atomic():
        dispatch = Dispatch.objects.create(
            use_case=use_case, fallback_seconds=fallback_seconds if use_case == DispatchUseCase.FALLBACK else None,
            primary=primary.as_dict(), fallback=fallback.as_dict(), request=request_payload or {}, api_key=api_key,
            fallback_state=FallbackState.WAITING if use_case == DispatchUseCase.FALLBACK else FallbackState.NONE,
        )
        _start(dispatch)
    return dispatch, True


def _start(dispatch: Dispatch) -> None:
    first = _attempt_send(dispatch, AttemptRole.PRIMARY)
    if dispatch.use_case == DispatchUseCase.BROADCAST:
        _attempt_send(dispatch, AttemptRole.FALLBACK)
        return
    if first.status == MessageStatus.SUPPRESSED:
        _fallback_send(dispatch, reason="primary recipient is suppressed")
        return
    due_at = timezone.now() + timedelta(seconds=dispatch.fallback_seconds)
    timer = timer_schedule(callback=FALLBACK_CALLBACK, due_at=due_at, kwargs={"dispatch_id": dispatch.pk},
                           owner=dispatch, label=f"fallback of dispatch #{dispatch.pk}")
    dispatch.fallback_due_at = due_at
    dispatch.fallback_timer = timer
    dispatch.save(update_fields=["fallback_due_at", "fallback_timer", "updated_at"])


def dispatch_spec(*, dispatch: Dispatch, role: str) -> dict:
    """What was asked for the attempt in ``role``: the stored ``ChannelSpec`` as a dict."""
    return dispatch.primary if role == AttemptRole.PRIMARY else dispatch.fallback


def _attempt_send(dispatch: Dispatch, role: str):
    spec = dispatch_spec(dispatch=dispatch, role=role)
    message = message_send(channel=spec["channel"], recipient=spec["recipient"], body=spec.get("body", ""),
                           subject=spec.get("subject", ""), sender=spec.get("sender", ""),
                           options=spec.get("options") or {}, owner=dispatch)
    DispatchAttempt.objects.create(dispatch=dispatch, role=role, message=message)
    return message


def _fallback_send(dispatch: Dispatch, *, reason: str) -> None:
    """Send the fallback channel; the caller holds the dispatch row (or just created it)."""
    _attempt_send(dispatch, AttemptRole.FALLBACK)
    dispatch.fallback_state = FallbackState.SENT
    dispatch.fallback_reason = reason[:300]
    dispatch.fallback_decided_at = timezone.now()
    dispatch.save(update_fields=["fallback_state", "fallback_reason", "fallback_decided_at", "updated_at"])


def _fallback_decide(*, dispatch_id: int, send: bool, reason: str) -> bool:
    """Send (``send=True``) or cancel the fallback if it is still waiting. Returns whether it acted.

    Runs in its own transaction with the dispatch row locked; whoever comes second finds the
    state already decided and does nothing.
    """
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().filter(pk=dispatch_id).first()
        if dispatch is None or dispatch.fallback_state != FallbackState.WAITING:
            return False
        if send:
            _fallback_send(dispatch, reason=reason)
        else:
            dispatch.fallback_state = FallbackState.CANCELLED
            dispatch.fallback_reason = reason[:300]
            dispatch.fallback_decided_at = timezone.now()
            dispatch.save(update_fields=["fallback_state", "fallback_reason", "fallback_decided_at", "updated_at"])
        timer_id = dispatch.fallback_timer_id
    # Outside the dispatch lock (see the module docstring); a no-op if the timer already fired.
    if timer_id:
        timer_cancel(timer_id=timer_id)
    return True


def dispatch_fallback_due(*, dispatch_id: int) -> None:
    """Timer callback: no successful delivery arrived in time, so the fallback goes out.

    It runs inside the timer's transaction with the timer row locked; the dispatch lock taken
    here nests in it (a savepoint), so the fallback and the timer's state commit together.
    """
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().filter(pk=dispatch_id).first()
        if dispatch is None or dispatch.fallback_state != FallbackState.WAITING:
            return
        _fallback_send(dispatch, reason=f"no successful delivery within {dispatch.fallback_seconds} s")


def dispatch_on_delivery_outcome(*, event: DeliveryEvent) -> None:
    """Delivery-outcome hook: a primary's success cancels the fallback; its failure sends it now.

    Events on a fallback attempt, and late events after the fallback was decided, are recorded
    by the event pipeline (the DeliveryEvent row, the message's status) and change nothing here.
    """
    # Every attempt's message is owned by its dispatch, so other messages (most of them) are
    # ruled out without a query.
    if event.message_id is None or not owned_by_kind(event.message, Dispatch):
        return
    attempt = DispatchAttempt.objects.filter(message_id=event.message_id).first()
    if attempt is None or attempt.role != AttemptRole.PRIMARY:
        return
    label = event.provider_event or event.event_type
    if event.event_type in SUCCESS_EVENTS:
        _fallback_decide(dispatch_id=attempt.dispatch_id, send=False, reason=f"primary delivered ({label})")
    elif event.event_type in FAILURE_EVENTS:
        detail = f": {event.description}" if event.description else ""
        _fallback_decide(dispatch_id=attempt.dispatch_id, send=True, reason=f"primary failed ({label}){detail}")


def dispatch_status(*, dispatch: Dispatch, attempts: list[DispatchAttempt] | None = None) -> str:
    """The overall status of a dispatch, from its attempts (documented in the API schema).

    - ``delivered``: at least one attempt was delivered.
    - ``sent``: none delivered yet, at least one handed to its provider.
    - ``queued``: nothing handed over yet (or the fallback is about to be sent).
    - ``failed``: every attempt ended and at least one failed; nothing is still to come.
    - ``suppressed``: every attempt was suppressed (opted out / suppression list).
    """
    if attempts is None:
        attempts = list(dispatch.attempts.select_related("message"))
    statuses = [a.message.status for a in attempts]
    if MessageStatus.DELIVERED in statuses:
        return MessageStatus.DELIVERED
    if MessageStatus.SENT in statuses:
        return MessageStatus.SENT
    if MessageStatus.QUEUED in statuses or not statuses:
        return MessageStatus.QUEUED
    if dispatch.fallback_state == FallbackState.WAITING:
        return MessageStatus.QUEUED  # the primary ended badly; the fallback is being sent
    if MessageStatus.FAILED in statuses:
        return MessageStatus.FAILED
    return MessageStatus.SUPPRESSED


class IdempotencyConflict(Exception):
    def __init__(self, dispatch: Dispatch):
        super().__init__(f"Idempotency-Key already used for dispatch #{dispatch.pk} with another body")
        self.dispatch = dispatch


def request_fingerprint(*, payload) -> str:
    """SHA-256 of the body as data: key order and whitespace do not make two bodies differ."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dispatch_find_replay(*, api_key: ApiKey, idempotency_key: str, fingerprint: str) -> Dispatch | None:
    """The dispatch this key already made with this body, or None; IdempotencyConflict for another body."""
    existing = Dispatch.objects.filter(api_key=api_key, idempotency_key=idempotency_key).first()
    # Dispatches made before bodies were fingerprinted have none; they replay as they always did.
    if existing is not None and existing.idempotency_fingerprint not in ("", fingerprint):
        raise IdempotencyConflict(existing)
    return existing


def dispatch_create_once(*, api_key: ApiKey, idempotency_key: str, fingerprint: str, use_case: str,
                         primary: ChannelSpec, fallback: ChannelSpec, fallback_seconds: int | None = None,
                         request_payload: dict | None = None) -> tuple[Dispatch, bool]:
    """``dispatch_create`` under an Idempotency-Key. Returns ``(dispatch, created)``.

    The unique (api_key, idempotency_key) pair decides between racing requests: the key is set in
    the transaction that creates the dispatch, a loser's insert fails, and its whole dispatch,
    sends included (they go out on commit), is rolled back in favour of the winner's.
    """
    replay = dispatch_find_replay(api_key=api_key, idempotency_key=idempotency_key, fingerprint=fingerprint)
    if replay is not None:
        return replay, False
    try:
        with transaction.atomic():
            dispatch, _ = dispatch_create(use_case=use_case, primary=primary, fallback=fallback,
                                          fallback_seconds=fallback_seconds, request_payload=request_payload,
                                          api_key=api_key)
            dispatch.idempotency_key = idempotency_key
            dispatch.idempotency_fingerprint = fingerprint
            dispatch.save(update_fields=["idempotency_key", "idempotency_fingerprint", "updated_at"])
    except IntegrityError:
        replay = dispatch_find_replay(api_key=api_key, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if replay is None:
            raise
        return replay, False
    return dispatch, True


def dispatch_submit(*, api_key: ApiKey | None, idempotency_key: str = "", fingerprint: str = "",
                    **create) -> tuple[Dispatch, bool]:
    """Create a dispatch from the API: under the Idempotency-Key when one was given."""
    if idempotency_key:
        return dispatch_create_once(api_key=api_key, idempotency_key=idempotency_key, fingerprint=fingerprint,
                                    **create)
    return dispatch_create(api_key=api_key, **create)


def dispatch_attempt(*, dispatch: Dispatch, role: str) -> DispatchAttempt | None:
    """The attempt in ``role``, from prefetched attempts (``dispatches_with_attempts``)."""
    return next((a for a in dispatch.attempts.all() if a.role == role), None)


def dispatches_with_attempts():
    """Dispatches with their attempts and messages, as the API and the admin show them."""
    return Dispatch.objects.prefetch_related("attempts__message")
