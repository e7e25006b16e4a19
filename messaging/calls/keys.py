"""A key pressed on a call acts exactly as the same reply by SMS would.

Which keys a call takes depends on what it is about, decided here only (``call_keys``): a page
takes 4 as YES, 5 as NO, 6 as RESOLVE (GoAlert's keys); a bulk send's confirmation call (its
message's owner is a ``BulkSend``) takes 1 and 2 as the send's first and second expected answers
(YES and NO unless the send names others), so ``bulk_send_reply_handler`` records the answer on
the recipient's row and the confirmation logic runs as for a text. The key becomes an inbound reply on channel
``voice`` that answers the call (``previousPublishedMessageId`` is the call's provider id), and
goes through the same router and handlers as a text: messaging knows nothing of incidents, and
the incident handler acts through the same services it uses for SMS. The reply's id is derived
from the call (``call:<provider id>``), and the call's ``VoiceCall`` row is locked first, so a key
acts once, whether the simulator, an EventBridge event, its redelivery or the poll reports it.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.audience.confirmations import expected_answers
from messaging.inbound.router import inbound_sms_create, inbound_sms_route
from messaging.models import BulkSend, CallAction, CallState, Channel, InboundSms, OutboundMessage, VoiceCall

PAGE_KEYS = {"4": CallAction.ACK, "5": CallAction.DECLINE, "6": CallAction.RESOLVE}
CONFIRM_KEYS = {"1": CallAction.CONFIRM, "2": CallAction.CANCEL}
# The words an SMS reply would carry: the incident handler parses them as it parses a text.
ACTION_WORDS = {CallAction.ACK: "YES", CallAction.DECLINE: "NO", CallAction.RESOLVE: "RESOLVE"}
INBOUND_PREFIX = "call:"


def call_is_confirmation(message: OutboundMessage) -> bool:
    """Whether ``message`` is a bulk send's call (its owner is a ``BulkSend``), not a page."""
    return message.owner_type_id is not None and message.owner_type_id == ContentType.objects.get_for_model(
        BulkSend).pk


def call_keys(message: OutboundMessage) -> dict[str, str]:
    """{key: ``CallAction``} the call ``message`` takes."""
    return CONFIRM_KEYS if call_is_confirmation(message) else PAGE_KEYS


def action_word(message: OutboundMessage, action: str) -> str:
    """The reply word ``action`` on this call becomes: a send's expected answer, or a page's word."""
    if action in (CallAction.CONFIRM, CallAction.CANCEL):
        send = BulkSend.objects.filter(pk=message.owner_id).first() if call_is_confirmation(message) else None
        answers = expected_answers(send) if send else ()
        index = 0 if action == CallAction.CONFIRM else 1
        # A send expects at least two answers for a call (the API checks); the defaults cover a gap.
        return answers[index] if len(answers) > index else ("YES", "NO")[index]
    return ACTION_WORDS[action]


def call_lock(*, message: OutboundMessage) -> VoiceCall:
    """The call's outcome row, made on first news of it, locked for this transaction."""
    pid = message.provider_message_id
    try:
        with transaction.atomic():
            VoiceCall.objects.get_or_create(provider_message_id=pid, defaults={"message": message})
    except IntegrityError:  # made by a concurrent report between our read and insert
        pass
    return VoiceCall.objects.select_for_update().get(provider_message_id=pid)


def call_key_apply(*, message: OutboundMessage, action: str, via: str) -> VoiceCall:
    """Act on ``action`` (a ``CallAction``) pressed on the call ``message``, once, and end the call.

    ``via`` says who reported it ("simulator", "connect event", "connect poll") for the outcome.
    A call that already ended keeps its first outcome: a second report changes nothing.
    """
    with transaction.atomic():
        call = call_lock(message=message)
        if call.inbound_id is not None:
            return call
        inbound = inbound_sms_create(payload={
            "inboundMessageId": f"{INBOUND_PREFIX}{message.provider_message_id}",
            "originationNumber": message.recipient,
            "destinationNumber": message.sender,
            "messageBody": action_word(message, action),
            "previousPublishedMessageId": message.provider_message_id,
            "channel": Channel.VOICE,
            "via": via,
        })
        inbound = inbound_sms_route(inbound=inbound, fresh=True)
        call.action, call.inbound = action, inbound
        call.outcome = f"{CallAction(action).label} via {via}: {inbound.outcome}"[:300]
        _end(call)
        return call


def call_end(*, message: OutboundMessage, outcome: str) -> VoiceCall:
    """The call ended with no key that acts (hung up, not answered, answered by voicemail)."""
    with transaction.atomic():
        call = call_lock(message=message)
        if call.state != CallState.ENDED:
            call.outcome = outcome[:300]
            _end(call)
        return call


def _end(call: VoiceCall) -> None:
    call.state, call.ended_at = CallState.ENDED, timezone.now()
    call.save()


def key_inbound(*, provider_message_id: str) -> InboundSms | None:
    return InboundSms.objects.filter(inbound_message_id=f"{INBOUND_PREFIX}{provider_message_id}").first()
