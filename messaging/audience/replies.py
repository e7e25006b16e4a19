"""Replies to a bulk send: recorded there, acted on by nobody's rule.

A bulk send ("… is yours if you reply YES") has no rule of its own for what people answer, so
its handler takes every reply that answers one of its messages: the reply is linked to the
message it answers (``InboundSms.answers``, set by the router), which is how the bulk send
counts its replies and shows each on its recipient's row. It changes nothing else; a YES here
never reaches an incident. Free text waits for a person in the inbox.
"""

from __future__ import annotations

from collections import Counter

from messaging.inbound.context import reply_context
from messaging.inbound.handlers import HandlerResult
from messaging.models import BulkSend, InboundSms, OutboundMessage

OWNER = "messaging.bulksend"


def bulk_send_reply_handler(inbound: InboundSms) -> HandlerResult | None:
    context = reply_context(inbound)
    if not context.answers(OWNER):
        return None
    text = " ".join((inbound.body or "").split())
    return HandlerResult(outcome=f"reply {text[:40]!r} recorded on bulk send #{context.owner_id}",
                         needs_reply=" " in text, about_shifts=True)


bulk_send_reply_handler.owners = (OWNER,)


def reply_text(body: str) -> str:
    """How a reply is counted: trimmed, spaces collapsed, upper-case ("yes " and "YES" are one)."""
    return " ".join((body or "").split()).upper()


def bulk_send_replies(*, bulk: BulkSend) -> dict[str, int]:
    """{reply text: how many recipients answered it}: each recipient's latest reply counts once."""
    latest = bulk_send_reply_by_phone(bulk=bulk)
    return dict(Counter(reply_text(body) for body in latest.values()).most_common())


def bulk_send_reply_by_phone(*, bulk: BulkSend) -> dict[str, str]:
    """{recipient phone: their latest reply to this bulk send} for its recipients' rows."""
    rows = (InboundSms.objects.filter(answers__in=OutboundMessage.objects.owned_by(bulk).values("pk"))
            .order_by("received_at", "id").values_list("origination_number", "body"))
    return dict(rows)  # later replies overwrite earlier ones
