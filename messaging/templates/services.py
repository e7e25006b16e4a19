"""Writing templates: every variant checked before anything is saved.

An unknown placeholder is an error for the template's author (the API's 400, the admin form's
error), never a blank in somebody's message. What a template may use: a contact's fields,
``{preferences_url}``, the names it declares in ``placeholders`` (a bulk send's columns), and
for a built-in name the ones its sending code fills in.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from messaging.audience.placeholders import placeholders_in, placeholders_validate
from messaging.models import Template, TemplateChannel, TemplateVariant
from messaging.outbound.parts import sms_parts
from messaging.templates.builtin import builtin_templates
from messaging.templates.render import CONTACT_FIELDS, PREFERENCES_URL
from messaging.values.locales import locale_normalize


class TemplateInvalid(ValidationError):
    """Bad input, with ``detail`` in the API's shape: {"variants": {"<index>": {field: [why]}}, …}."""

    def __init__(self, detail: dict):
        self.detail = detail
        super().__init__([f"{k}: {v}" for k, v in detail.items()])


VARIANT_FIELDS = ("channel", "locale", "body", "subject", "html", "whatsapp_template", "whatsapp_language",
                  "whatsapp_parameters")


def template_allowed_placeholders(*, name: str, declared: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    builtin = builtin_templates().get(name)
    return (*CONTACT_FIELDS, PREFERENCES_URL, *declared, *(builtin.placeholders if builtin else ()))


def variant_errors(variant: dict, *, allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """Each bad field of one variant (a dict of VARIANT_FIELDS) and why; {} when it is good."""
    errors: dict[str, list[str]] = {}
    if variant.get("channel") not in TemplateChannel.values:
        errors["channel"] = [f"One of {', '.join(TemplateChannel.values)}."]
    try:
        locale_normalize(variant.get("locale") or "")
    except ValidationError as exc:
        errors["locale"] = exc.messages
    if not (variant.get("body") or "").strip() and not (variant.get("html") or "").strip():
        errors["body"] = ["A variant needs a body."]
    for field in ("body", "subject", "html"):
        try:
            placeholders_validate(variant.get(field) or "", allowed=allowed)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    unknown = [n for n in variant.get("whatsapp_parameters") or [] if not isinstance(n, str) or n not in allowed]
    if unknown:
        errors["whatsapp_parameters"] = [f"Unknown placeholder(s): {', '.join(map(str, unknown))}."]
    if variant.get("channel") != TemplateChannel.EMAIL and (variant.get("subject") or variant.get("html")):
        errors["subject"] = ["Only an email variant has a subject or HTML."]
    return errors


def variants_check(*, name: str, variants: list[dict], declared: list[str] | tuple[str, ...] = ()) -> list[dict]:
    """The variants with canonical locales, or TemplateInvalid naming each bad variant's fields."""
    allowed = template_allowed_placeholders(name=name, declared=declared)
    per_variant, seen, clean = [], set(), []
    for variant in variants:
        errors = variant_errors(variant, allowed=allowed)
        locale = "" if "locale" in errors else locale_normalize(variant.get("locale") or "")
        key = (variant.get("channel"), locale)
        if not errors and key in seen:
            errors["locale"] = [f"Two {key[0]} variants for {locale or 'the default locale'}."]
        seen.add(key)
        per_variant.append(errors)
        clean.append({**{f: variant.get(f) for f in VARIANT_FIELDS if variant.get(f) is not None}, "locale": locale})
    if not variants:
        raise TemplateInvalid({"variants": ["A template needs at least one variant."]})
    if any(per_variant):  # the API's shape for a bad item of a list: its index, as DRF's own errors
        raise TemplateInvalid({"variants": {str(i): e for i, e in enumerate(per_variant) if e}})
    return clean


@transaction.atomic
def template_save(*, name: str, variants: list[dict], description: str = "",
                  placeholders: list[str] | None = None) -> tuple[Template, bool]:
    """Create the template ``name``, or replace the variants of the one that has it.
    Returns (template, created); ValidationError before anything is written."""
    declared = [p for p in placeholders or []]
    bad = [p for p in declared if not isinstance(p, str) or not p.isidentifier()]
    if bad:
        raise TemplateInvalid({"placeholders": [f"Not a placeholder name: {', '.join(map(str, bad))}."]})
    clean = variants_check(name=name, variants=variants, declared=declared)
    template, created = Template.objects.select_for_update().get_or_create(
        name=name, defaults={"description": description, "placeholders": declared})
    if not created:
        template.description, template.placeholders = description or template.description, declared
        template.save()
        template.variants.all().delete()
    TemplateVariant.objects.bulk_create([TemplateVariant(template=template, **v) for v in clean])
    template.save(update_fields=["updated_at"])  # the cache hears of the new variants (bulk_create sends no signal)
    return template, created


def variant_sms_summary(text: str) -> str:
    """"2 parts, UCS-2 (70 a part): …" for the admin: what one SMS of this text costs."""
    count = sms_parts(text)
    warning = ""
    if count.encoding == "UCS-2":
        odd = sorted({ch for ch in text if sms_parts(ch).encoding == "UCS-2"})[:5]
        warning = f" UCS-2 because of {' '.join(odd)}: 70 characters a part instead of 160."
    return f"{count.parts} part{'s' if count.parts != 1 else ''}, {count.encoding}, {count.units} units.{warning}"


def template_uses(*, template: Template) -> set[str]:
    return {n for v in template.variants.all() for t in (v.body, v.subject, v.html) for n in placeholders_in(t)}
