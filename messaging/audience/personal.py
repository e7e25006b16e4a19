"""Messages personal to each recipient: a contact's own fields filled into one template.

A template is checked (``contact_template_validate``) when it is written, so an unknown
``{foo}`` is an error for its author, never a literal brace in somebody's SMS. At send time
each recipient's body is filled from their contact row in one query per chunk.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from messaging.audience.placeholders import placeholders_fill, placeholders_in, placeholders_validate
from messaging.models import Contact
from messaging.outbound.parts import sms_parts
from messaging.outbound.send import messages_send_bulk

CONTACT_PLACEHOLDERS = ("name", "first_name", "phone", "email")


def contact_template_validate(*, text: str, field: str = "message") -> str:
    """``text`` if every placeholder in it is a contact field, else ValidationError naming ``field``."""
    try:
        placeholders_validate(text, allowed=CONTACT_PLACEHOLDERS)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return text


def contact_values(contact: Contact | None, phone: str) -> dict[str, str]:
    name = contact.name if contact else ""
    return {"name": name, "first_name": name.split()[0] if name.strip() else "", "phone": phone,
            "email": contact.email if contact else ""}


def contact_template_fill(*, text: str, phones: list[str]) -> list[str]:
    """One body per phone, in order: ``text`` with that contact's fields filled in."""
    if not placeholders_in(text):
        return [placeholders_fill(text, {})] * len(phones)  # still unescapes {{ and }}
    contacts = {c.phone: c for c in Contact.objects.filter(phone__in=phones)}
    return [placeholders_fill(text, contact_values(contacts.get(p), p)) for p in phones]


def messages_send_personal(*, channel: str, recipients: list[str], template: str,
                           owner: models.Model | None = None, batch_size: int = 100) -> list[int]:
    """``messages_send_bulk`` with each recipient's own body filled from ``template``."""
    bodies = contact_template_fill(text=template, phones=recipients)
    if len(set(bodies)) <= 1:
        return messages_send_bulk(channel=channel, recipients=recipients, body=bodies[0] if bodies else template,
                                  owner=owner, batch_size=batch_size)
    return messages_send_bulk(channel=channel, recipients=recipients, body=template, bodies=bodies,
                              owner=owner, batch_size=batch_size)


def contact_template_examples(*, text: str, phones: list[str], examples: int = 3) -> dict:
    """What the composer shows: the first few filled-in messages and the part count of the
    longest message of the whole audience (the one that costs most per recipient)."""
    if not placeholders_in(text):
        return {"examples": [], "longest_parts": sms_parts(placeholders_fill(text, {})).parts}
    bodies = contact_template_fill(text=text, phones=phones)
    return {"examples": list(zip(phones[:examples], bodies[:examples], strict=True)),
            "longest_parts": max((sms_parts(b).parts for b in bodies), default=sms_parts(text).parts)}
