"""The embedded default: every channel "sends" instantly and gets a provider id.

With ``SIMULATOR_AUTO_DELIVER`` on, a delivery event follows a moment later. It is built in the
shape AWS uses (an SMS event record, an SES event, a WhatsApp webhook entry) and goes through
the same parsing and event code as a real SNS notification does.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from messaging.scheduling.queue import enqueue
from messaging.transports.base import BaseTransport, OutgoingMessage, SendResult


class _SimulatorTransport(BaseTransport):
    id_prefix = "sim"

    def send(self, message: OutgoingMessage) -> SendResult:
        alt = f"wamid.sim-{uuid.uuid4().hex}" if self.channel == "whatsapp" else ""
        sender = message.sender or settings.SIMULATOR_ORIGINATION_NUMBER
        return SendResult(provider_message_id=f"{self.id_prefix}-{uuid.uuid4()}", provider_alt_id=alt,
                          sender=sender if self.channel in ("sms", "voice") else message.sender)

    def sent(self, message_id: int) -> None:
        """A simulated delivery event follows, as a provider's would (unless auto-delivery is off)."""
        if not settings.SIMULATOR_AUTO_DELIVER:
            return
        due = timezone.now() + timedelta(seconds=settings.SIMULATOR_DELIVERY_DELAY_SECONDS)
        enqueue("messaging.tasks.simulator_emit_event", message_id=message_id, outcome="delivered",
                due_at=due)


class SmsTransport(_SimulatorTransport):
    channel = "sms"

    def send(self, message: OutgoingMessage) -> SendResult:
        result = super().send(message)
        if settings.SELF_TEST_NUMBER and message.recipient == settings.SELF_TEST_NUMBER:
            # The self-test's number echoes (messaging.simulator.echo), as the real one must.
            enqueue("messaging.tasks.simulator_echo", phone=message.recipient, body=message.body,
                    destination=result.sender)
        return result


class VoiceTransport(_SimulatorTransport):
    channel = "voice"


class EmailTransport(_SimulatorTransport):
    channel = "email"


class WhatsAppTransport(_SimulatorTransport):
    channel = "whatsapp"
