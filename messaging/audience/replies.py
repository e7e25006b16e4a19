"""Replies to a bulk send: recorded there, acted on by nobody else's rule.

A bulk send has no rule of its own for free text, so its handler takes every reply that answers
one of its messages (the router resolves which message that is: ``InboundSms.answers``), keeps
it on that recipient's row (``messaging.audience.confirmations``), and, for a confirmation send,
answers with the confirmation of their answer. It changes nothing else; a YES here never reaches
an incident. Free text waits for a person in the inbox.
"""

from __future__ import annotations

from collections import Counter

from messaging.audience.confirmations import reply_record, reply_text
from messaging.inbound.context import reply_context
from messaging.inbound.handlers import HandlerResult
from messaging.models import BulkSend, InboundSms

OWNER = "messaging.bulksend"


def bulk_send_reply_handler(inbound: InboundSms) -> HandlerResult | None:
    context = reply_context(inbound)
    if not context.answers(OWNER):
        return None
    text = " ".join((inbound.body or "").split())
    send = BulkSend.objects.filter(pk=context.owner_id).first()
    row, confirmation = reply_record(inbound=inbound, send=send) if send else (None, "")
    return HandlerResult(outcome=f"reply {text[:40]!r} recorded on bulk send #{context.owner_id}"
                                 + ("" if row else " (not one of its recipients)"),
                         reply=confirmation, owner=send if confirmation else None,
                         needs_reply=" " in text and not confirmation, about_shifts=True)


bulk_send_reply_handler.owners = (OWNER,)


def bulk_send_replies(*, bulk: BulkSend) -> dict[str, int]:
    """{reply text: how many recipients answered it}: each recipient's latest reply counts once."""
    rows = bulk.recipient_rows.exclude(reply="").values_list("reply", flat=True)
    return dict(Counter(reply_text(r) for r in rows).most_common())


def bulk_send_reply_by_phone(*, bulk: BulkSend) -> dict[str, str]:
    """{recipient address: their latest reply to this bulk send}, for the recipients' rows."""
    return dict(bulk.recipient_rows.exclude(reply="").values_list("address", "reply"))
