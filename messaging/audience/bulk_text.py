"""What each recipient of a bulk send reads: its text, and the options its message carries.

Every bulk send's text goes through ``recipient_message`` (the API's, the admin's and the S3
drop's alike): the send's own message (and subject) with the recipient's values filled in, or a
named template (``messaging.templates``) in the recipient's language. A send about a topic skips
those who opted out of it (``messaging.topics``), and its emails carry List-Unsubscribe.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from messaging.audience.bulk_voice import voice_message
from messaging.audience.personal import CONTACT_PLACEHOLDERS, contact_values
from messaging.audience.placeholders import EXT_PREFIX, placeholders_fill, placeholders_in, placeholders_validate
from messaging.models import BulkRecipient, BulkSend, Channel, Contact, Topic
from messaging.templates.render import template_exists, template_placeholders, template_render
from messaging.topics.links import list_unsubscribe_headers, preferences_url
from messaging.topics.preferences import topic_opted_out

PREFERENCES_URL = "preferences_url"

__all__ = ["recipient_message", "recipient_text", "template_find", "template_validate", "topic_opted_out"]


def template_find(*, name: str) -> str | None:
    """``name`` when it names a template (a row or a built-in text), else None."""
    return name if template_exists(name=name) else None


def template_validate(*, name: str, columns: list[dict], ext: bool = False) -> None:
    """ValidationError naming ``template`` when it uses a placeholder no recipient can fill
    (``{ext.*}`` ones are filled only when the send has an enrichment URL: ``ext``)."""
    used = template_placeholders(template_name=name)
    unknown = sorted(used - set(allowed_placeholders(columns=columns)) - (_ext_names(used) if ext else set()))
    if unknown:
        raise ValidationError({"template": f"Template {name!r} uses {', '.join('{' + u + '}' for u in unknown)}, "
                                           "which is neither a contact field nor a column of every recipient."})


# --- placeholders ------------------------------------------------------------------------------

def allowed_placeholders(*, columns: list[dict]) -> tuple[str, ...]:
    """A contact's fields, and every column that all listed recipients have."""
    common = set(columns[0]) if columns else set()
    for row in columns[1:]:
        common &= set(row)
    fields = (*CONTACT_PLACEHOLDERS, PREFERENCES_URL)
    return fields + tuple(sorted(common - set(fields)))


def _ext_names(names) -> set[str]:
    return {n for n in names if n.startswith(EXT_PREFIX)}


def text_validate(*, message: str, subject: str, columns: list[dict], ext: bool = False) -> None:
    """ValidationError naming ``message`` or ``subject`` when either uses an unknown placeholder;
    ``ext``: the send has an enrichment URL, so any ``{ext.<name>}`` is known (empty if not answered)."""
    allowed = allowed_placeholders(columns=columns)
    errors = {}
    for field, text in (("message", message), ("subject", subject)):
        try:
            extra = tuple(_ext_names(placeholders_in(text))) if ext else ()
            placeholders_validate(text, allowed=allowed + extra)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)


def recipient_values(*, recipient: BulkRecipient, contact: Contact | None, texts: tuple[str, ...] = ()
                     ) -> dict[str, str]:
    """The values a recipient's placeholders take: their contact's fields, then their own columns.
    ``{preferences_url}`` (a signed link, made only where one of ``texts`` uses it) needs a contact."""
    phone = recipient.address if recipient.address.startswith("+") else (contact.phone if contact else "")
    values = contact_values(contact, phone)
    if any("{" + PREFERENCES_URL + "}" in text for text in texts):
        values[PREFERENCES_URL] = preferences_url(contact=contact) if contact else ""
    if not values["email"] and "@" in recipient.address:
        values["email"] = recipient.address
    values |= {k: "" if v is None else str(v) for k, v in (recipient.columns or {}).items()}
    return values | {EXT_PREFIX + k: v for k, v in (recipient.ext or {}).items()}


def recipient_message(send: BulkSend, recipient: BulkRecipient, *, topic: Topic | None = None
                      ) -> tuple[str, str, dict]:
    """(subject, body, options) for one recipient of ``send``: the one place a bulk send's message
    is made. ``topic`` is the send's optional topic row: its emails carry List-Unsubscribe."""
    contact = recipient.contact
    options: dict = {}
    if send.template_name:
        if template_find(name=send.template_name) is None:
            raise ValidationError({"template": f"Unknown template {send.template_name!r}."})
        values = recipient_values(recipient=recipient, contact=contact, texts=("{" + PREFERENCES_URL + "}",))
        rendered = template_render(template_name=send.template_name, channel=send.channel, contact=contact,
                                   locale=contact.locale if contact else "", context=values)
        subject, body = rendered.subject, rendered.body
        if rendered.html and send.channel == Channel.EMAIL:
            options["html"] = rendered.html
        if rendered.whatsapp:
            options["template"] = rendered.whatsapp
    else:
        values = recipient_values(recipient=recipient, contact=contact, texts=(send.subject, send.template))
        subject, body = placeholders_fill(send.subject, values), placeholders_fill(send.template, values)
    own = (recipient.columns or {}).get("_attachment")  # their own file (messaging.audience.s3_files)
    if (send.attachments or own) and send.channel == Channel.EMAIL:
        options["attachments"] = [*send.attachments, *([int(own)] if own else [])]  # ids: bytes stored once
    if topic is not None and not topic.required and send.channel == Channel.EMAIL and contact is not None:
        options["headers"] = list_unsubscribe_headers(contact=contact, topic=topic)
    if send.channel == Channel.VOICE:  # a call that asks for a key: messaging.audience.bulk_voice
        body, options = voice_message(body, options)
    return subject, body, options


def recipient_text(send: BulkSend, recipient: BulkRecipient) -> tuple[str, str]:
    """(subject, body) for one recipient (the admin's preview)."""
    return recipient_message(send, recipient)[:2]
