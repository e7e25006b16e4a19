"""Reads about conversations: the inbox list, one thread, and whether the portal answered lately.

A thread is read from the message log (what we sent, on every channel, to the number and to
its contact's email address) and the inbound rows (what they answered), newest THREAD_LIMIT
of each, by the recipient and origination-number indexes: its cost does not grow with the log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, QuerySet, Subquery

from messaging.conversations.models import Conversation
from messaging.models import ApiKey, Channel, Contact, InboundEmail, InboundSms, OutboundMessage
from messaging.selectors import messages_sent_by

PHONE_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.VOICE)


def help_answer_period() -> timedelta:
    return timedelta(hours=settings.HELP_ANSWER_HOURS)


def portal_replied_since(*, phone: str, since: datetime) -> bool:
    """Whether the portal answered ``phone`` since then: a handler's reply or an inbox answer."""
    if InboundSms.objects.filter(origination_number=phone, received_at__gte=since).exclude(reply="").exists():
        return True
    return OutboundMessage.objects.filter(
        channel__in=(Channel.SMS, Channel.WHATSAPP), recipient=phone, created_at__gte=since,
        owner_type=ContentType.objects.get_for_model(Conversation)).exists()


THREAD_LIMIT = 200  # newest messages each way; older ones are in the message log
LIST_LIMIT = 100

# What a message was about, by the owner of the message (or of the message a reply answers).
ABOUT_TYPES = {
    "incidents.incident": "incident",
    "shifts.shiftcampaign": "campaign",
    "messaging.bulksend": "bulk_send",
    "messaging.dispatch": "dispatch",
    "oncall.schedule": "schedule",
    "messaging.conversation": "conversation",
}
# Read and answer every thread; read and answer threads about shifts only.
REPLY_PERMISSION = "messaging.reply_conversation"
SHIFT_REPLY_PERMISSION = "messaging.shiftreply_conversation"


def conversations_visible(*, user) -> QuerySet[Conversation]:
    """The conversations ``user`` may read: all with the view permission, the shift threads for a
    shift manager, none otherwise."""
    if user.has_perm("messaging.view_conversation"):
        return Conversation.objects.all()
    if user.has_perm(SHIFT_REPLY_PERMISSION):
        return Conversation.objects.filter(about_shifts=True)
    return Conversation.objects.none()


def conversation_answerable(*, user, conversation: Conversation) -> bool:
    return user.has_perm(REPLY_PERMISSION) or (user.has_perm(SHIFT_REPLY_PERMISSION) and conversation.about_shifts)


def conversations_list(*, queryset: QuerySet[Conversation] | None = None, needs_reply: bool | None = None,
                       needing_first: bool = False, limit: int = LIST_LIMIT) -> list[dict]:
    """Rows of the inbox, latest activity first (or those needing a reply first), with names."""
    qs = Conversation.objects.all() if queryset is None else queryset
    if needs_reply is not None:
        qs = qs.filter(needs_reply=needs_reply)
    order = ["-needs_reply", "-last_at", "-id"] if needing_first else ["-last_at", "-id"]
    rows = list(qs.order_by(*order)[:limit])
    names = dict(Contact.objects.filter(phone__in=[r.phone for r in rows]).values_list("phone", "name"))
    return [{"phone": r.phone, "contact": names.get(r.phone), "last_at": r.last_at, "last_body": r.last_body,
             "needs_reply": r.needs_reply, "conversation": r} for r in rows]


def conversations_list_sent_by(*, sent_by: ApiKey, needs_reply: bool | None = None,
                               limit: int = LIST_LIMIT) -> list[dict]:
    """The inbox as an API key without ``all_messages`` may read it: each row's latest message is
    the latest it may see (what it sent, what the number wrote), so another key's one-time code or
    the portal's own pages never show through the last line."""
    sent = messages_sent_by(sent_by=sent_by)
    # Every phone channel spelled out, so PostgreSQL probes (channel, recipient, created_at).
    last_out = sent.filter(channel__in=PHONE_CHANNELS, recipient=OuterRef("phone")).order_by("-created_at", "-id")
    last_in = InboundSms.objects.filter(origination_number=OuterRef("phone")).order_by("-received_at", "-id")
    qs = (Conversation.objects
          .annotate(out_at=Subquery(last_out.values("created_at")[:1]), out_body=Subquery(last_out.values("body")[:1]),
                    in_at=Subquery(last_in.values("received_at")[:1]), in_body=Subquery(last_in.values("body")[:1])))
    rows = conversations_list(queryset=qs, needs_reply=needs_reply, limit=limit)
    for row in rows:
        c = row["conversation"]
        newest_in = c.in_at is not None and (c.out_at is None or c.in_at >= c.out_at)
        row["last_at"], row["last_body"] = (c.in_at, c.in_body) if newest_in else (c.out_at, c.out_body)
    return rows


def conversations_needing_reply(*, user, limit: int = 5) -> list[dict]:
    """For the admin home page: the threads ``user`` may read that wait for a person, latest first."""
    return conversations_list(queryset=conversations_visible(user=user), needs_reply=True, limit=limit)


def _label(owner_type_id: int | None) -> str:
    if owner_type_id is None:
        return ""
    ct = ContentType.objects.get_for_id(owner_type_id)
    return f"{ct.app_label}.{ct.model}"


def _abouts(pairs: set[tuple[int | None, int | None]]) -> dict[tuple, dict | None]:
    """{(owner_type_id, owner_id): {"type", "id"} or None}, following a handler's answer (owned by
    the inbound it answered) to what that inbound answered, and a shift to its campaign."""
    inbound_ids = {oid for tid, oid in pairs if _label(tid) == "messaging.inboundsms"}
    through_inbound = {
        pk: (tid, oid) for pk, tid, oid in InboundSms.objects.filter(pk__in=inbound_ids)
        .values_list("pk", "answers__owner_type_id", "answers__owner_id")}
    resolved = {}
    for tid, oid in pairs:
        resolved[(tid, oid)] = through_inbound.get(oid, (None, None)) if _label(tid) == "messaging.inboundsms" \
            else (tid, oid)
    shift_ids = {oid for tid, oid in resolved.values() if _label(tid) == "shifts.shift"}
    campaigns = {}
    if shift_ids:
        from django.apps import apps  # shifts is an app above messaging: read by label, not imported

        campaigns = dict(apps.get_model("shifts", "Shift").objects.filter(pk__in=shift_ids)
                         .values_list("pk", "campaign_id"))
    found: dict[tuple, dict | None] = {}
    for key, (tid, oid) in resolved.items():
        label = _label(tid)
        if label == "shifts.shift":
            label, oid = "shifts.shiftcampaign", campaigns.get(oid)
        kind = ABOUT_TYPES.get(label)
        found[key] = {"type": kind, "id": oid} if kind and oid is not None else None
    return found


def conversation_thread(*, phone: str, limit: int = THREAD_LIMIT, sent_by: ApiKey | None = None) -> dict:
    """One number's thread, oldest first: what we sent it on every channel (and to its contact's
    email address), what it answered, each with what it was about, its status and its outcome.

    ``sent_by``: an API key without ``all_messages``, which sees only what it sent of our side.
    """
    contact = Contact.objects.filter(phone=phone).first()
    conversation = Conversation.objects.filter(phone=phone).first()
    numbers = {phone} | ({contact.whatsapp} if contact and contact.whatsapp else set())
    ours = messages_sent_by(sent_by=sent_by)
    out = list(ours.filter(channel__in=PHONE_CHANNELS, recipient__in=numbers).order_by("-created_at", "-id")[:limit])
    if contact and contact.email:
        out += list(ours.filter(channel=Channel.EMAIL, recipient=contact.email).order_by("-created_at", "-id")[:limit])
    # An email routed as a reply has an inbound row too: the thread shows the email itself (below).
    inbound = list(InboundSms.objects.filter(origination_number=phone).exclude(channel=Channel.EMAIL)
                   .select_related("answers").order_by("-received_at", "-id")[:limit])
    emails = list(InboundEmail.objects.filter(contact=contact).select_related("routed__answers")
                  .order_by("-received_at", "-id")[:limit]) if contact else []
    pairs = {(m.owner_type_id, m.owner_id) for m in out}
    pairs |= {(i.answers.owner_type_id, i.answers.owner_id) for i in inbound if i.answers is not None}
    answered = {e.pk: e.routed.answers for e in emails if e.routed is not None and e.routed.answers is not None}
    pairs |= {(a.owner_type_id, a.owner_id) for a in answered.values()}
    abouts = _abouts(pairs)
    items = [{"direction": "out", "id": m.pk, "channel": m.channel, "body": m.body, "subject": m.subject,
              "at": m.created_at, "status": m.status, "about": abouts.get((m.owner_type_id, m.owner_id)),
              "outcome": m.error} for m in out]
    items += [{"direction": "in", "id": i.pk, "channel": i.channel, "body": i.body, "subject": "",
               "at": i.received_at, "status": i.status, "outcome": i.outcome, "handled_by": i.handled_by,
               "about": abouts.get((i.answers.owner_type_id, i.answers.owner_id)) if i.answers else None}
              for i in inbound]
    items += [{"direction": "in", "id": e.pk, "channel": Channel.EMAIL, "body": e.text_body[:5000],
               "subject": e.subject, "at": e.received_at, "status": e.routed.status if e.routed else "received",
               "outcome": e.outcome, "handled_by": e.routed.handled_by if e.routed else "",
               "about": abouts.get((answered[e.pk].owner_type_id, answered[e.pk].owner_id)) if e.pk in answered
               else None} for e in emails]
    items.sort(key=lambda x: (x["at"], x["direction"] == "out", x["id"]))
    return {"phone": phone, "contact": contact.name if contact else None, "contact_obj": contact,
            "needs_reply": bool(conversation and conversation.needs_reply), "conversation": conversation,
            "messages": items[-limit:]}
