"""What each recipient of a bulk send reads, and the two hooks the templates branch plugs into.

Every bulk send's text goes through ``recipient_text`` (the API's, the admin's and the S3
drop's alike): the send's own message (and subject) with the recipient's values filled in, or a
named template. Named templates and topics belong to another branch (issue 24, templates and
topics); until it is merged, ``template_find`` knows no template (the API answers "unknown
template") and ``topic_opted_out`` finds nobody opted out. Those three functions are the whole
seam: the merge replaces their bodies and nothing else here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from messaging.audience.personal import CONTACT_PLACEHOLDERS, contact_values
from messaging.audience.placeholders import placeholders_fill, placeholders_validate
from messaging.models import BulkRecipient, BulkSend, Contact

# --- the seam for named templates and topics (issue 24) ---------------------------------------

def template_find(*, name: str):
    """The template called ``name``, or None. MERGE: return i24's Template by name."""
    return None


def template_render(*, template, channel: str, locale: str, values: dict) -> tuple[str, str]:
    """(subject, body) of ``template`` for one recipient. MERGE: call i24's render function."""
    raise NotImplementedError("named templates arrive with the templates branch (issue 24)")


def topic_opted_out(*, topic: str, channel: str, addresses: list[str]) -> set[str]:
    """Those of ``addresses`` who opted out of ``topic`` on ``channel``. MERGE: i24's topic
    opt-outs; a send with a topic skips them (they count as ``suppressed``)."""
    return set()


# --- placeholders ------------------------------------------------------------------------------

def allowed_placeholders(*, columns: list[dict]) -> tuple[str, ...]:
    """A contact's fields, and every column that all listed recipients have."""
    common = set(columns[0]) if columns else set()
    for row in columns[1:]:
        common &= set(row)
    return tuple(CONTACT_PLACEHOLDERS) + tuple(sorted(common - set(CONTACT_PLACEHOLDERS)))


def text_validate(*, message: str, subject: str, columns: list[dict]) -> None:
    """ValidationError naming ``message`` or ``subject`` when either uses an unknown placeholder."""
    allowed = allowed_placeholders(columns=columns)
    errors = {}
    for field, text in (("message", message), ("subject", subject)):
        try:
            placeholders_validate(text, allowed=allowed)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)


def recipient_values(*, recipient: BulkRecipient, contact: Contact | None) -> dict[str, str]:
    """The values a recipient's placeholders take: their contact's fields, then their own columns."""
    phone = recipient.address if recipient.address.startswith("+") else (contact.phone if contact else "")
    values = contact_values(contact, phone)
    if not values["email"] and "@" in recipient.address:
        values["email"] = recipient.address
    return values | {k: "" if v is None else str(v) for k, v in (recipient.columns or {}).items()}


def recipient_text(send: BulkSend, recipient: BulkRecipient) -> tuple[str, str]:
    """(subject, body) for one recipient of ``send``: the one place a bulk send's text is made."""
    values = recipient_values(recipient=recipient, contact=recipient.contact)
    if send.template_name:
        template = template_find(name=send.template_name)
        if template is None:
            raise ValidationError({"template": f"Unknown template {send.template_name!r}."})
        return template_render(template=template, channel=send.channel, locale="", values=values)
    return placeholders_fill(send.subject, values), placeholders_fill(send.template, values)
