"""The one small contract every transport honours, in the style of Django's mail backends.

A transport turns an ``OutgoingMessage`` into a provider call and returns the provider's id.
It never touches the database: the send service owns the message-log row, so the same
transport can be exercised with nothing but a ``botocore.stub.Stubber``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutgoingMessage:
    log_id: int
    channel: str  # "sms" | "email" | "whatsapp" | "voice"
    recipient: str
    body: str
    subject: str = ""
    sender: str = ""  # origination identity; "" means the configured default
    # Per-channel extras: sms {"message_type", "configuration_set"}; email {"html", "template",
    # "template_data", "configuration_set"}; whatsapp {"template": {...}}; voice {"kind":
    # "callback"} for an Amazon Connect call-back instead of a text-to-speech call.
    options: dict = field(default_factory=dict)
    # What the message belongs to, "app_label.model:id" (e.g. "incidents.incident:12"), or "":
    # a Connect page call carries it in its attributes, so the call is traceable in Connect too.
    about: str = ""


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    # A second id the provider's events may use instead (WhatsApp's wamid), or "".
    provider_alt_id: str = ""
    sender: str = ""  # the origination identity actually used, when the provider says


class TransportError(Exception):
    """A provider refused or failed a send. ``permanent`` decides retry versus fail."""

    permanent = False

    def __init__(self, message: str, *, code: str = "", context: dict | None = None,
                 opted_out: bool = False):
        super().__init__(message)
        self.code = code
        self.context = context or {}
        self.opted_out = opted_out

    def __str__(self) -> str:
        base = super().__str__()
        return f"{self.code}: {base}" if self.code else base


class TransientError(TransportError):
    """Throttling, timeouts, 5xx: try again later with backoff."""

    permanent = False


class PermanentError(TransportError):
    """Invalid number, opted out, validation: retrying cannot help."""

    permanent = True


class BaseTransport:
    channel: str = ""

    def send(self, message: OutgoingMessage) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def supports(self, options: dict) -> bool:
        """Whether a send with these per-channel ``options`` can be placed at all.

        Asked before anything is logged (a call-back needs Amazon Connect configured, say), so a
        feature can tell its user at once instead of logging a message that is bound to fail.
        """
        return True

    def sent(self, message_id: int) -> None:
        """Called once the message-log row ``message_id`` records the provider's id.

        Declared here, as Django's mail backends declare ``open`` and ``close``, so that every
        transport has it and the send service calls it without asking: a real provider answers
        with its own events and needs nothing; the simulator schedules its delivery event here.
        """
