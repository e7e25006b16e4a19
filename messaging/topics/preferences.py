"""May this person get this topic on this channel? The one answer, for one person or many.

The order (issue 24):
1. legal opt-outs win: STOP (SMS and voice), WhatsApp's own STOP, the email suppression list;
2. then a required topic (incident pages, on-call texts) is allowed;
3. then the person's preference for the topic on that channel;
4. then their preference for the topic on any channel;
5. then their default for that channel (any topic);
6. and with none of those, yes.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from messaging.consent.optouts import suppressed_among
from messaging.models import Contact, ContactPreference, Topic

CHANNELS = ("sms", "whatsapp", "email", "voice")


def contact_address(contact: Contact, channel: str) -> str:
    if channel == "email":
        return contact.email or ""
    if channel == "whatsapp":
        return contact.whatsapp or contact.phone
    return contact.phone


def _decide(prefs: dict[tuple[int | None, str], bool], topic: Topic | None, channel: str) -> bool:
    if topic is not None and topic.required:
        return True
    keys = ([(topic.pk, channel), (topic.pk, "")] if topic is not None else []) + [(None, channel)]
    for key in keys:
        if key in prefs:
            return prefs[key]
    return True


def topic_allows(contact: Contact, topic: Topic | None, channel: str) -> bool:
    """Whether ``contact`` may get ``topic`` (None: no topic) on ``channel``."""
    return contact.pk in topic_allowed_ids([contact], topic, channel)


def topic_allowed_ids(contacts: list[Contact], topic: Topic | None, channel: str) -> set[int]:
    """The ids of those of ``contacts`` who may get ``topic`` on ``channel``: two queries for any number."""
    by_address = {contact_address(c, channel): c.pk for c in contacts if contact_address(c, channel)}
    blocked = suppressed_among(channel=channel, recipients=list(by_address))
    if channel == "email":
        blocked_ids = {pk for a, pk in by_address.items() if a.lower() in blocked}
    else:
        blocked_ids = {pk for a, pk in by_address.items() if a in blocked}
    if topic is not None and topic.required:
        return {c.pk for c in contacts} - blocked_ids
    prefs = _preferences_for([c.pk for c in contacts], topic, channel)
    return {c.pk for c in contacts if c.pk not in blocked_ids and _decide(prefs.get(c.pk, {}), topic, channel)}


def topic_opted_out(*, topic: str, channel: str, addresses: list[str]) -> set[str]:
    """Those of ``addresses`` (phones, or emails for ``channel`` email) whose contact said no to the
    topic named ``topic`` on ``channel``: what a bulk send skips. An address with no contact has
    no preferences (its legal opt-outs are the send path's own check); an unknown topic, none."""
    topic_row = Topic.objects.filter(name=topic).first()
    if topic_row is None or topic_row.required or not addresses:
        return set()
    if channel == "email":
        lowered = {a.lower(): a for a in addresses}
        # An address matches its contact whatever the case of either.
        contacts = Contact.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=list(lowered))
        by_pk = {c.pk: lowered[c.email_lower] for c in contacts}
    else:
        field = "whatsapp" if channel == "whatsapp" else "phone"
        contacts = list(Contact.objects.filter(**{f"{field}__in": addresses}))
        by_pk = {c.pk: getattr(c, field) for c in contacts}
    prefs = _preferences_for(list(by_pk), topic_row, channel)
    return {by_pk[pk] for pk in by_pk if not _decide(prefs.get(pk, {}), topic_row, channel)}


def _preferences_for(contact_ids: list[int], topic: Topic | None, channel: str) -> dict[int, dict]:
    wanted = Q(topic__isnull=True, channel=channel)
    if topic is not None:
        wanted |= Q(topic=topic, channel__in=[channel, ""])
    prefs: dict[int, dict] = {}
    rows = ContactPreference.objects.filter(wanted, contact_id__in=contact_ids)
    for contact_id, topic_id, ch, allowed in rows.values_list("contact_id", "topic_id", "channel", "allowed"):
        prefs.setdefault(contact_id, {})[(topic_id, ch)] = allowed
    return prefs


def preference_set(*, contact: Contact, topic: Topic | None, channel: str, allowed: bool) -> None:
    """Record one yes or no (topic None: the channel's default; channel "": the topic on any channel)."""
    with transaction.atomic():
        updated = ContactPreference.objects.filter(contact=contact, topic=topic, channel=channel).update(
            allowed=allowed)
        if not updated:
            ContactPreference.objects.create(contact=contact, topic=topic, channel=channel, allowed=allowed)


def preferences_of(contact: Contact) -> dict[tuple[int | None, str], bool]:
    return {(t, ch): a for t, ch, a in ContactPreference.objects.filter(contact=contact)
            .values_list("topic_id", "channel", "allowed")}


def preference_table(contact: Contact) -> list[dict]:
    """What the page shows: each topic, and per channel whether it reaches the person now."""
    prefs = preferences_of(contact)
    rows = []
    for topic in Topic.objects.all():
        rows.append({"topic": topic, "channels": [
            {"channel": ch, "allowed": _decide(prefs, topic, ch)} for ch in CHANNELS if contact_address(contact, ch)]})
    return rows


def preferences_save(*, contact: Contact, checked: set[str]) -> None:
    """The page's form: every optional topic on every channel the person has, yes where ``checked``
    holds "<topic id>:<channel>", no elsewhere."""
    for row in preference_table(contact):
        topic = row["topic"]
        if topic.required:
            continue
        for cell in row["channels"]:
            preference_set(contact=contact, topic=topic, channel=cell["channel"],
                           allowed=f"{topic.pk}:{cell['channel']}" in checked)
