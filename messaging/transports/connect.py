"""``VOICE_TRANSPORT=connect``: voice pages are Amazon Connect calls that take a key.

Each voice message is placed with ``connect`` ``StartOutboundVoiceContact`` through the flow
``setup_aws`` creates (``CONNECT_PAGE_FLOW_ID``, messaging/calls/flows/page_call.json):

- ``ClientToken`` derives from our message id only, so a retried send (a worker that died after
  the call, a transient error) rings the phone once: Connect keeps the token for 7 days.
- ``Attributes`` carry what the flow speaks (``page_text``), what the page is about (``about``,
  e.g. ``incidents.incident:12``) and our ``message_id``; Connect allows 32,768 bytes in all, so a
  long text is cut to fit, never refused.
- ``RingTimeoutInSeconds`` is short (``CONNECT_RING_TIMEOUT_SECONDS``): an unanswered page moves
  on to the person's next rule or level instead of ringing out.

A bulk send's confirmation call (``options["call"] == "confirm"``, set by
messaging.audience.bulk_voice) goes through the confirmation flow instead
(``CONNECT_CONFIRM_FLOW_ID``, confirm_call.json: 1 confirm, 2 cancel); the rest is the same.

Call-backs (``options["kind"] == "callback"``) go on as in ``aws.VoiceTransport``. The End User
Messaging voice message (``send_voice_message``, one way) stays ``VOICE_TRANSPORT=aws``, the
default for real sends. Once a call is placed, ``sent`` schedules the one poll of the call
(messaging.calls.connect.connect_call_poll) after the ring timeout and the flow's longest path.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from messaging.scheduling.timers import timer_schedule

from .aws import LOG_ID_KEY, callback_client_token
from .aws import VoiceTransport as AwsVoiceTransport
from .base import OutgoingMessage, PermanentError, SendResult

ATTRIBUTES_MAX_BYTES = 32_768  # Connect's limit on all of a contact's attributes together
# The flow's longest path after the answer: the page spoken and the 8 s wait for a key, three
# times (the first play and two repeats), then the outcome spoken. Page texts are short; a long
# one is covered by the poll's margin.
FLOW_LONGEST_SECONDS = 3 * (30 + 8) + 10
POLL_MARGIN_SECONDS = 30
POLL_TASK = "messaging.tasks.connect_call_poll"
CONFIRM_CALL = "confirm"  # options["call"] of a bulk send's confirmation call


def page_attributes(message: OutgoingMessage) -> dict[str, str]:
    """The contact attributes of a page call, within Connect's 32 KB (keys and values, UTF-8)."""
    attributes = {"about": message.about[:200], "message_id": str(message.log_id)}
    used = sum(len(k.encode()) + len(v.encode()) for k, v in attributes.items()) + len(b"page_text")
    # Cut at a byte, then drop the half of a character the cut may leave.
    text = message.body.encode()[: ATTRIBUTES_MAX_BYTES - used].decode("utf-8", "ignore")
    return {"page_text": text, **attributes}


def _flow_id(options: dict) -> str:
    """The flow a call goes through: the confirmation flow for a bulk send's call, else the page flow."""
    if options.get("call") == CONFIRM_CALL:
        return settings.CONNECT_CONFIRM_FLOW_ID
    return settings.CONNECT_PAGE_FLOW_ID


def poll_delay() -> timedelta:
    return timedelta(seconds=settings.CONNECT_RING_TIMEOUT_SECONDS + FLOW_LONGEST_SECONDS + POLL_MARGIN_SECONDS)


class VoiceTransport(AwsVoiceTransport):
    """Voice pages as Amazon Connect calls that take a key (see the module docstring)."""

    def supports(self, options: dict) -> bool:
        if options.get("kind") == "callback":
            return super().supports(options)
        return bool(settings.CONNECT_INSTANCE_ID and _flow_id(options)
                    and (settings.CONNECT_SOURCE_PHONE_NUMBER or settings.CONNECT_QUEUE_ID))

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.options.get("kind") == "callback":
            return super().send(message)
        if not self.supports(message.options):
            flow = "CONNECT_CONFIRM_FLOW_ID" if message.options.get("call") == CONFIRM_CALL else "CONNECT_PAGE_FLOW_ID"
            raise PermanentError(
                f"Connect calls need CONNECT_INSTANCE_ID, {flow} and CONNECT_SOURCE_PHONE_NUMBER "
                "or CONNECT_QUEUE_ID", code="CONNECT_NOT_CONFIGURED", context={LOG_ID_KEY: message.log_id})
        params: dict[str, Any] = {
            "DestinationPhoneNumber": message.recipient,
            "ContactFlowId": _flow_id(message.options),
            "InstanceId": settings.CONNECT_INSTANCE_ID,
            "ClientToken": callback_client_token(message),
            "Attributes": page_attributes(message),
            "RingTimeoutInSeconds": settings.CONNECT_RING_TIMEOUT_SECONDS,
        }
        source = settings.CONNECT_SOURCE_PHONE_NUMBER
        if source:
            params["SourcePhoneNumber"] = source
        else:
            params["QueueId"] = settings.CONNECT_QUEUE_ID  # the queue's outbound caller id
        response = self._call(self.connect_client, "start_outbound_voice_contact", params, message)
        return SendResult(provider_message_id=response["ContactId"], sender=source)

    def sent(self, message_id: int) -> None:
        # The poll after the ring timeout: events are best effort, this is the one sure look.
        timer_schedule(callback=POLL_TASK, due_at=timezone.now() + poll_delay(), kwargs={"message_id": message_id},
                       label=f"Connect call poll for message {message_id}")
