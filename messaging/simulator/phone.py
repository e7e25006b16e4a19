"""The phone simulator page's data: the numbers, one chat, a reply typed on the phone, a mark.

Replies and marks are built by ``messaging.simulator.events`` and go through the real SNS
pipeline, as they would from AWS.
"""

from __future__ import annotations

import json

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Max
from django.utils.module_loading import import_string

from messaging.inbound.handlers import handler_permissions
from messaging.models import Channel, Contact, InboundSms, MessageStatus, OutboundMessage
from messaging.simulator.events import (
    notification_ingest_local,
    simulated,
    simulated_event_message,
    simulated_inbound_message,
    simulated_whatsapp_message,
)

_PHONE_CHANNELS = (Channel.SMS, Channel.VOICE, Channel.WHATSAPP)
CONVERSATION_LIMIT = 200
PHONES_LIMIT = 300


def simulator_phones() -> list[dict]:
    """Every number the portal has texted or heard from, plus contacts; most recent first."""
    seen: dict[str, dict] = {}

    def touch(phone: str, at, name: str = "") -> None:
        row = seen.setdefault(phone, {"phone": phone, "name": "", "last_at": None})
        if name:
            row["name"] = name
        if at and (row["last_at"] is None or at > row["last_at"]):
            row["last_at"] = at

    outbound = (OutboundMessage.objects.filter(channel__in=_PHONE_CHANNELS).values("recipient")
                .annotate(last=Max("created_at")).order_by("-last")[:PHONES_LIMIT])
    for row in outbound:
        touch(row["recipient"], row["last"])
    inbound = (InboundSms.objects.values("origination_number").annotate(last=Max("received_at"))
               .order_by("-last")[:PHONES_LIMIT])
    for row in inbound:
        touch(row["origination_number"], row["last"])
    for name, phone in Contact.objects.values_list("name", "phone")[:PHONES_LIMIT]:
        touch(phone, None, name)
    names = dict(Contact.objects.filter(phone__in=list(seen)).values_list("phone", "name"))
    for phone, row in seen.items():
        row["name"] = row["name"] or names.get(phone, "")
    rows = sorted(seen.values(), key=lambda r: (r["last_at"] is not None, r["last_at"] or 0, r["phone"]),
                  reverse=True)
    return [{**r, "last_at": r["last_at"].isoformat() if r["last_at"] else None} for r in rows]


def simulator_conversation(*, phone: str) -> list[dict]:
    """The chat with one phone: what the portal sent it and what it answered, oldest first."""
    items = []
    for m in (OutboundMessage.objects.filter(channel__in=_PHONE_CHANNELS, recipient=phone)
              .order_by("-created_at", "-id")[:CONVERSATION_LIMIT]):
        items.append({
            "direction": "out", "id": m.pk, "at": m.created_at.isoformat(), "channel": m.channel,
            "body": f"📞 {m.body or 'voice call'}" if m.channel == Channel.VOICE else m.body,
            "status": m.status, "provider_message_id": m.provider_message_id, "error": m.error,
            "can_mark": simulated(m) and m.status in (MessageStatus.SENT, MessageStatus.QUEUED),
        })
    for i in InboundSms.objects.filter(origination_number=phone).order_by("-received_at", "-id")[:CONVERSATION_LIMIT]:
        items.append({
            "direction": "in", "id": i.pk, "at": i.received_at.isoformat(), "channel": i.channel, "body": i.body,
            "status": i.status, "handled_by": i.handled_by.rsplit(".", 1)[-1], "outcome": i.outcome,
            "error": i.error,
        })
    items.sort(key=lambda x: x["at"])
    return items[-CONVERSATION_LIMIT:]


class SimulatorRefused(Exception):
    """The reply would act in a role the staff user does not hold; nothing of it was kept."""


def simulator_reply(*, phone: str, body: str, channel: str = Channel.SMS, actor=None):
    """The phone ``phone`` texts ``body`` back (by SMS, or as a WhatsApp user): built as AWS would
    publish it, run through the same notification pipeline as a verified SNS delivery. Returns
    the stored InboundSms.

    With ``actor`` (the staff user typing), the reply counts only if ``actor`` holds the
    permissions of the handler that took it (``simulator_permissions``): a shift manager may not
    acknowledge an incident by answering its page, nor a dispatcher book a shift. Which handler
    takes a text is known only once it has been routed, so the reply runs in one transaction
    that is rolled back whole on refusal: no inbound row, no state change, and no answer sent
    (sends are queued on commit). SimulatorRefused says why.
    """
    with transaction.atomic():
        inbound = _reply(phone=phone, body=body, channel=channel)
        if actor is not None:
            _refuse_unless_permitted(actor=actor, inbound=inbound)
    return inbound


def _refuse_unless_permitted(*, actor, inbound: InboundSms) -> None:
    if not inbound.handled_by:
        return  # nobody acted on it
    needed = handler_permissions(import_string(inbound.handled_by), inbound)
    if actor.has_perms(needed):
        return
    missing = [p for p in needed if not actor.has_perm(p)]
    names = []
    for perm in missing:
        app_label, codename = perm.split(".", 1)
        row = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        names.append(f"“{row.name}”" if row else perm)
    raise SimulatorRefused(
        f"This reply would be taken by {inbound.handled_by.rsplit('.', 1)[-1]} ({inbound.outcome}), which acts "
        f"for a role you do not have: it needs the permission {' and '.join(names)}. Nothing was recorded or sent.")


def _reply(*, phone: str, body: str, channel: str) -> InboundSms:
    last = (OutboundMessage.objects.filter(channel=channel, recipient=phone).exclude(provider_message_id="")
            .order_by("-created_at", "-id").first())
    if channel == Channel.WHATSAPP:
        message = simulated_whatsapp_message(
            phone=phone, body=body, reply_to=(last.provider_alt_id or last.provider_message_id) if last else "")
        notification_ingest_local(message=message)
        wamid = json.loads(message["whatsAppWebhookEntry"])["changes"][0]["value"]["messages"][0]["id"]
        return InboundSms.objects.get(inbound_message_id=wamid)
    message = simulated_inbound_message(
        phone=phone, body=body, destination=(last.sender if last and last.sender.startswith("+") else ""),
        previous_published_message_id=last.provider_message_id if last else "",
    )
    notification_ingest_local(message=message)
    return InboundSms.objects.get(inbound_message_id=message["inboundMessageId"])


def simulator_mark(*, message_id: int, outcome: str):
    """Emit the provider's delivery event ("delivered" or "failed") for a simulated message."""
    if outcome not in ("delivered", "failed"):
        raise ValueError("outcome must be delivered or failed")
    message = OutboundMessage.objects.get(pk=message_id)
    if not message.provider_message_id:
        raise ValueError("this message was never handed to a provider, so no event can refer to it")
    if not simulated(message):
        # A fake event for a real send would change what the log says really happened, and a
        # fake bounce would suppress a real address.
        raise ValueError("this message went to a real provider; only simulated sends can be marked")
    return notification_ingest_local(message=simulated_event_message(message, outcome))
