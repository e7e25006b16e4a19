"""The event vocabulary every provider's callback is turned into (after django-anymail).

A leaf: it imports nothing of ours, so parsers, the applier, the fast ingest path and the
outcome hooks can all depend on it without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass
class NormalizedEvent:
    event_type: str  # an EventType value
    provider_message_id: str
    channel: str = ""
    provider_event: str = ""
    raw: dict = field(default_factory=dict)
    permanent: bool | None = None
    description: str = ""
    recipient: str = ""
    # Every address an email event is about (a bounce can name several); recipient is the first.
    recipients: tuple[str, ...] = ()
    parts: int | None = None
    price: Decimal | None = None
    occurred_at: datetime | None = None
    # A second id to look the message up by when the first is unknown: WhatsApp statuses carry
    # the wamid, and the SNS message around them the AWS messageId that send_whatsapp_message
    # returned.
    alt_message_id: str = ""
