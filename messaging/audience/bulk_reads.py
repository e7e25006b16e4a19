"""What a bulk send looks like while it runs: counts by status, and a row per recipient.

A recipient's status is its message's once the message is logged (queued, sent, delivered,
failed or suppressed, moved on by delivery events like any message's), and its own before that:
``queued`` (waiting for send_at or its turn), ``deferred`` (held by quiet hours), or ``failed``/
``suppressed`` with a reason. One grouped query counts them, whatever the size of the send.
"""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Coalesce

from messaging.audience.replies import bulk_send_replies
from messaging.models import BulkSend, Channel, RecipientStatus

COUNTED = ("queued", "deferred", "sent", "delivered", "failed", "suppressed")


def _effective(qs):
    return qs.annotate(effective=Coalesce("message__status", "status"))


def bulk_send_counts(*, send: BulkSend) -> dict:
    """{"queued", "deferred", "sent", "delivered", "failed", "suppressed": int, "replies": {text: n}}."""
    counts = dict.fromkeys(COUNTED, 0)
    for status, n in _effective(send.recipient_rows.all()).values_list("effective").annotate(n=Count("pk")).order_by():
        counts[status if status in counts else RecipientStatus.QUEUED] += n
    return {**counts, "replies": bulk_send_replies(bulk=send)}


def bulk_send_rows(*, send: BulkSend) -> list[dict]:
    """[{"phone" or "email", "status", "sent_at", "reply", "error", "release_at", "answer"}], in order."""
    key = "email" if send.channel == Channel.EMAIL else "phone"
    rows = (_effective(send.recipient_rows.all()).order_by("pk")
            .values_list("address", "effective", "message__sent_at", "reply", "error", "release_at", "answer"))
    return [{key: address, "status": status, "sent_at": sent_at.isoformat() if sent_at else None,
             "reply": reply or None, "error": error, "release_at": release_at.isoformat() if release_at else None,
             "answer": answer or None}
            for address, status, sent_at, reply, error, release_at, answer in rows]
