"""Contacts, tags and the allow-list."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from messaging.audience.number_types import NUMBERS_LOOKUP_TASK, number_type_offline
from messaging.models import AllowListEntry, Channel, Contact, OutboundMessage, Tag
from messaging.outbound.send import message_send
from messaging.phones import phone_normalize
from messaging.scheduling.queue import enqueue_with


def tags_resolve(*, names: list[str]) -> list[Tag]:
    tags = []
    for name in {n.strip() for n in names if n and n.strip()}:
        tag, _ = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


def _number_type_look_up_later(contact: Contact) -> None:
    """A new contact's number type is asked of AWS on a worker: charged per number, so new ones only."""
    if settings.NUMBER_LOOKUP == "aws":
        enqueue_with(NUMBERS_LOOKUP_TASK, contact_ids=[contact.pk])


def contact_lookup(*, phone: str) -> Contact | None:
    """The contact with this number, or None: a lookup that never creates one."""
    return Contact.objects.filter(phone=phone).first()


def contact_get_or_create(*, phone: str) -> Contact:
    """The contact with this number; a new one is named by its number and typed like any other.

    Unlike ``contact_upsert`` an existing contact is left exactly as it is: a number given to a
    rota or an incident says nothing about the person's name or email.
    """
    contact, created = Contact.objects.get_or_create(
        phone=phone, defaults={"name": phone, "number_type": number_type_offline(phone)})
    if created:
        _number_type_look_up_later(contact)
    return contact


def contacts_get_or_create(*, phones: list[str]) -> list[Contact]:
    """``contact_get_or_create`` for each phone, in order."""
    return [contact_get_or_create(phone=phone) for phone in phones]


@transaction.atomic
def contact_upsert(*, name: str, phone: str, email: str = "", whatsapp: str = "",
                   tags: list[str] | None = None, time_zone: str | None = None,
                   locale: str | None = None) -> tuple[Contact, bool]:
    """Create the contact for ``phone``, or update the one that has it. Returns (contact, created).
    ``time_zone`` or ``locale`` None leaves a known contact's as it is; "" clears it."""
    phone = phone_normalize(phone)
    contact, created = Contact.objects.select_for_update().get_or_create(
        phone=phone, defaults={"name": name, "email": email or "", "whatsapp": whatsapp or "",
                               "number_type": number_type_offline(phone), "time_zone": time_zone or "",
                               "locale": locale or ""})
    if not created:
        contact.name = name
        contact.email = email or ""
        if whatsapp:
            contact.whatsapp = whatsapp
        if time_zone is not None:
            contact.time_zone = time_zone
        if locale is not None:
            contact.locale = locale
        contact.save()
    if tags is not None:
        contact.tags.set(tags_resolve(names=tags))
    if created:
        _number_type_look_up_later(contact)
    return contact, created


def allow_list_add(*, phone: str, scope: str) -> tuple[AllowListEntry, bool]:
    return AllowListEntry.objects.get_or_create(phone=phone_normalize(phone), scope=scope)


def allow_list_add_many(*, phones: list[str], scope: str) -> int:
    """Put every phone (already E.164, from Contact rows) on the allow-list; returns how many were new."""
    before = AllowListEntry.objects.filter(scope=scope, phone__in=phones).count()
    AllowListEntry.objects.bulk_create([AllowListEntry(phone=p, scope=scope) for p in set(phones)],
                                       ignore_conflicts=True, batch_size=1000)
    return AllowListEntry.objects.filter(scope=scope, phone__in=phones).count() - before


def not_allow_listed(*, phones: list[str], scope: str) -> list[str]:
    """Those of ``phones`` not on the allow-list for ``scope``, in the given order."""
    listed = set(AllowListEntry.objects.filter(scope=scope, phone__in=phones).values_list("phone", flat=True))
    return [p for p in phones if p not in listed]


def allow_listed(*, phone: str, scope: str) -> bool:
    return AllowListEntry.objects.filter(phone=phone, scope=scope).exists()


TEST_SMS_TEXT = "Test message from the operations portal. No action needed."


def contacts_send_test(*, contacts: list[Contact]) -> list[OutboundMessage]:
    """A test SMS to each contact: lets an operator check numbers and the transport end to end."""
    return [message_send(channel=Channel.SMS, recipient=c.phone, body=TEST_SMS_TEXT, owner=c) for c in contacts]
