"""``templates``: the portal's wordings, each with its variants per channel and locale.

Every variant is checked by the templates' own service (variants_check) before anything is
written, so an unknown placeholder is an error naming its place in the file
(``templates[2].variants[0].body``). A template named like one of the portal's own texts
(``incident.page``) overrides the built-in wording, as in the admin. Templates are matched by name;
a changed template has its variants replaced (template_save), an unchanged one is not touched.
"""

from __future__ import annotations

from collections import defaultdict

from messaging.models import Template, TemplateChannel, TemplateVariant
from messaging.templates.services import VARIANT_FIELDS, TemplateInvalid, template_save, variants_check
from messaging.values.locales import LOCALE_MAX_LENGTH
from portal.setup_as_code.config.base import Context, duplicates

KEY = "templates"
_TEXT = {"type": "string", "maxLength": 100_000}
VARIANT = {
    "type": "object", "additionalProperties": False, "required": ["channel"],
    "properties": {
        "channel": {"enum": TemplateChannel.values},
        "locale": {"type": "string", "maxLength": LOCALE_MAX_LENGTH,
                   "description": "BCP 47 (es, es-MX); none: the default"},
        "body": _TEXT,
        "subject": {"type": "string", "maxLength": 998, "description": "email only"},
        "html": {**_TEXT, "description": "email only: the HTML part"},
        "whatsapp_template": {"type": "string", "maxLength": 512},
        "whatsapp_language": {"type": "string", "maxLength": 16},
        "whatsapp_parameters": {"type": "array", "items": {"type": "string"}},
    },
}
item_schema = {
    "type": "object", "additionalProperties": False, "required": ["name", "variants"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": "string", "maxLength": 300},
        "placeholders": {"type": "array", "items": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                         "description": "names a caller fills besides the contact's fields (a bulk send's columns)"},
        "variants": {"type": "array", "items": VARIANT, "minItems": 1},
    },
}
_EMPTY = {"locale": "", "body": "", "subject": "", "html": "", "whatsapp_template": "", "whatsapp_language": "",
          "whatsapp_parameters": []}


def _full(variant: dict) -> dict:
    return {"channel": variant["channel"], **{f: variant.get(f) or _EMPTY[f] for f in _EMPTY}}


def _short(variant: dict) -> dict:
    """A variant as the file writes it: its channel, then only the fields it fills."""
    return {"channel": variant["channel"], **{f: variant[f] for f in VARIANT_FIELDS if f != "channel" and variant[f]}}


def _variants_now(template_ids) -> dict[int, list[dict]]:
    out = defaultdict(list)
    for row in TemplateVariant.objects.filter(template_id__in=template_ids).order_by(
            "template_id", "channel", "locale").values("template_id", *VARIANT_FIELDS):
        out[row.pop("template_id")].append(_full(row))
    return out


def export(ctx: Context) -> list[dict]:
    templates = list(Template.objects.order_by("name"))
    variants = _variants_now([t.pk for t in templates])
    out = []
    for t in templates:
        item: dict = {"name": t.name}
        if t.description:
            item["description"] = t.description
        if t.placeholders:
            item["placeholders"] = list(t.placeholders)
        item["variants"] = [_short(v) for v in variants[t.pk]]
        out.append(item)
    return out


def _wanted(item: dict) -> list[dict]:
    """The file's variants as the service saves them (canonical locales), in the table's order."""
    clean = variants_check(name=item["name"], variants=item["variants"], declared=item.get("placeholders", []))
    return sorted((_full(v) for v in clean), key=lambda v: (v["channel"], v["locale"]))


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items)
    for i, item in enumerate(items):
        try:
            _wanted(item)
        except TemplateInvalid as exc:
            variants = exc.detail.get("variants")
            if isinstance(variants, dict):
                for n, fields in variants.items():
                    for field_name, messages in fields.items():
                        ctx.error(f"{KEY}[{i}].variants[{n}].{field_name}", " ".join(messages))
            else:
                ctx.error(f"{KEY}[{i}].variants", " ".join(variants or [str(exc)]))


def apply(items: list[dict], ctx: Context) -> None:
    existing = {t.name: t for t in Template.objects.filter(name__in=[i["name"] for i in items])}
    variants_now = _variants_now([t.pk for t in existing.values()])
    for item in items:
        description, placeholders = item.get("description", ""), item.get("placeholders", [])
        template = existing.get(item["name"])
        if template is None:
            template_save(name=item["name"], variants=item["variants"], description=description,
                          placeholders=placeholders)
            ctx.change("create", "template", item["name"], f"{len(item['variants'])} variants")
            continue
        changed = []
        if variants_now.get(template.pk, []) != _wanted(item):
            changed.append("variants")
        if list(template.placeholders or []) != placeholders:
            changed.append("placeholders")
        if changed:
            template, _ = template_save(name=item["name"], variants=item["variants"], description=description,
                                        placeholders=placeholders)
        if template.description != description:  # template_save keeps a description it is given none for
            template.description = description
            template.save(update_fields=["description", "updated_at"])
            changed.append("description")
        if changed:
            ctx.change("update", "template", item["name"], ", ".join(changed))


def prune(items: list[dict], ctx: Context) -> None:
    for template in Template.objects.exclude(name__in=[i["name"] for i in items]):
        template.delete()
        ctx.change("delete", "template", template.name)
