"""Which quiet window holds a bulk send's recipients, and which zones a recipient can be in.

Shared by the placing of messages (``bulk_sends``) and the reminders (``confirmations``); the
clock arithmetic itself is ``quiet_hours``, which knows nothing of sends.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings

from messaging.audience import quiet_hours
from messaging.models import BulkPurpose, BulkRecipient, BulkSend, Channel


def quiet_window(send: BulkSend) -> tuple[time, time] | None:
    """The send's own window, else the promotional default (BULK_PROMOTIONAL_QUIET_HOURS), else none."""
    if send.quiet_start is not None and send.quiet_end is not None:
        return send.quiet_start, send.quiet_end
    default = settings.BULK_PROMOTIONAL_QUIET_HOURS
    if send.purpose == BulkPurpose.PROMOTIONAL and default:
        start, end = default.split("-")
        return quiet_hours.window_parse(start), quiet_hours.window_parse(end)
    return None


def recipient_zones(send: BulkSend, recipient: BulkRecipient) -> tuple[str, ...]:
    """Their contact's zone, else their number's zones (an email's: its contact's phone), else TIME_ZONE."""
    contact = recipient.contact
    address = recipient.address if send.channel != Channel.EMAIL else (contact.phone if contact else "")
    return quiet_hours.zones_for(address=address, time_zone=contact.time_zone if contact else "",
                                 fallback=settings.TIME_ZONE)
