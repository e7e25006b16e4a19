"""``people``: the contacts the other sections name by phone, with their names and emails, so a
fresh portal knows who +12065550101 is. Contacts are data as much as setup: this section makes
and updates them, and ``--prune`` never deletes one."""

from __future__ import annotations

from messaging.models import Contact
from portal.setup_as_code.config.base import NAME, PHONE, Context, check_phone, duplicates

KEY = "people"
item_schema = {"type": "object", "additionalProperties": False, "required": ["phone", "name"],
               "properties": {"phone": PHONE, "name": NAME,
                              "email": {"type": "string", "maxLength": 254}}}


def export(ctx: Context, phones: set[str]) -> list[dict]:
    out = []
    for c in Contact.objects.filter(phone__in=phones).order_by("name", "phone"):
        item = {"phone": c.phone, "name": c.name}
        if c.email:
            item["email"] = c.email
        out.append(item)
    return out


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items, "phone")
    for i, item in enumerate(items):
        check_phone(ctx, f"{KEY}[{i}].phone", item["phone"])


def apply(items: list[dict], ctx: Context) -> None:
    existing = {c.phone: c for c in Contact.objects.filter(phone__in=[i["phone"] for i in items])}
    changed = []
    for item in items:
        contact = existing.get(item["phone"])
        email = item.get("email", "")
        if contact is not None and (contact.name, contact.email) != (item["name"], email):
            contact.name, contact.email, contact.updated_at = item["name"], email, ctx.now
            contact.full_clean(validate_unique=False)
            changed.append(contact)
            ctx.change("update", "contact", item["phone"], item["name"])
    Contact.objects.bulk_update(changed, ["name", "email", "updated_at"], batch_size=500)
    # The rest are made in one INSERT, and the later sections find them all here.
    ctx.contacts([i["phone"] for i in items], names={i["phone"]: (i["name"], i.get("email", "")) for i in items})


def prune(items: list[dict], ctx: Context) -> None:
    return None
