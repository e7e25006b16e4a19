"""Render a template for one person: the one function every sender calls.

The variant: for the channel, the contact's (or the given) locale exactly, else its language
(``es`` for ``es-MX``), else the variant with no locale. A ``Template`` row's variants win over a
built-in template's (messaging/templates/builtin.py) variant by variant, so an operator can
reword the Spanish page and keep the default English one.

Placeholders are ``{name}`` as everywhere (messaging/audience/placeholders.py): a contact's
fields, ``{preferences_url}`` (a signed link to the person's own page, made only when used),
and whatever the caller puts in ``context``.

Built-in names sit on the incident path (each new alert pages), so their rows are kept in
Django's default cache for ``TEMPLATE_CACHE_SECONDS`` and dropped when a template is saved. The
default cache is per process (LocMemCache): another process sees an edit within that time, at
once with a shared cache (CACHES). Other templates are read each time, in one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save

from messaging.audience.placeholders import placeholders_fill, placeholders_in
from messaging.templates.builtin import builtin_templates
from messaging.templates.models import Template, TemplateVariant, WhatsAppTemplate
from messaging.topics.links import preferences_url
from messaging.values.locales import locale_language, locale_normalize

CONTACT_FIELDS = ("name", "first_name", "phone", "email")
PREFERENCES_URL = "preferences_url"


class TemplateNotFound(ValidationError):
    pass


class TemplateRefused(ValidationError):
    """The chosen variant cannot be sent (a WhatsApp template Meta has not approved): the reason."""


@dataclass(frozen=True)
class Variant:
    channel: str
    locale: str
    body: str
    subject: str = ""
    html: str = ""
    whatsapp_template: str = ""
    whatsapp_language: str = ""
    whatsapp_parameters: tuple[str, ...] = ()
    builtin: bool = False


@dataclass(frozen=True)
class Rendered:
    body: str
    subject: str
    html: str
    variant: Variant
    # For WhatsApp pointing at an approved template: the Meta "template" object to send, which
    # transports put in the message (``options["template"]``, with ``options["language"]``).
    whatsapp: dict | None = None

    @property
    def locale(self) -> str:
        return self.variant.locale


_CACHE_KEY = "templates:builtin:{}"
_MISSING = "none"  # cached too: the usual case is no row at all


def template_cache_clear(**_kwargs) -> None:
    """Drop the cached rows of every built-in name (a save may have renamed a template)."""
    cache.delete_many([_CACHE_KEY.format(name) for name in builtin_templates()])


for _model in (Template, TemplateVariant):
    post_save.connect(template_cache_clear, sender=_model, dispatch_uid=f"template-cache-save-{_model.__name__}")
    post_delete.connect(template_cache_clear, sender=_model, dispatch_uid=f"template-cache-delete-{_model.__name__}")


def _stored(name: str) -> list[Variant] | None:
    """The stored variants of ``name`` (None: no such row); one query."""
    rows = list(TemplateVariant.objects.filter(template__name=name).values(
        "channel", "locale", "body", "subject", "html", "whatsapp_template", "whatsapp_language",
        "whatsapp_parameters"))
    if not rows and not Template.objects.filter(name=name).exists():
        return None
    return [Variant(**{**r, "whatsapp_parameters": tuple(r["whatsapp_parameters"] or ())}) for r in rows]


def template_variants(name: str) -> list[Variant]:
    """Every variant of ``name``, stored ones over built-in ones; TemplateNotFound when neither."""
    builtin = builtin_templates().get(name)
    if builtin is None:
        stored = _stored(name)
        if stored is None:
            raise TemplateNotFound({"template": [f"No template is named {name!r}."]}, code="not_found")
        return stored
    key = _CACHE_KEY.format(name)
    stored = cache.get(key)
    if stored is None:
        stored = _stored(name) or []
        cache.set(key, stored or _MISSING, settings.TEMPLATE_CACHE_SECONDS)
    elif stored == _MISSING:
        stored = []
    have = {(v.channel, v.locale) for v in stored}
    return stored + [v for v in builtin_variants(name) if (v.channel, v.locale) not in have]


def builtin_variants(name: str) -> list[Variant]:
    """The built-in wording of ``name`` alone, reading nothing (a pure text function's default)."""
    builtin = builtin_templates().get(name)
    return [Variant(channel=b.channel, locale=b.locale, body=b.body, subject=b.subject, builtin=True)
            for b in (builtin.variants if builtin else ())]


def template_exists(*, name: str) -> bool:
    """Whether ``name`` names a template (a row, or a built-in text)."""
    return name in builtin_templates() or Template.objects.filter(name=name).exists()


def variant_choose(variants: list[Variant], *, channel: str, locale: str) -> Variant | None:
    """Exact locale, else its language, else the default (no locale); None when the channel has none."""
    mine = {v.locale: v for v in variants if v.channel == channel}
    locale = locale_normalize(locale) if locale else ""
    for key in (locale, locale_language(locale), ""):
        if key in mine:
            return mine[key]
    return None


def template_placeholders(*, template_name: str) -> set[str]:
    """Every placeholder any variant of the template uses (a bulk send checks them against its columns)."""
    names: set[str] = set()
    for v in template_variants(template_name):
        for text in (v.body, v.subject, v.html):
            names.update(placeholders_in(text))
        names.update(v.whatsapp_parameters)
    return names


def contact_context(contact) -> dict[str, str]:
    name = (getattr(contact, "name", "") or "") if contact is not None else ""
    return {"name": name, "first_name": name.split()[0] if name.strip() else "",
            "phone": getattr(contact, "phone", "") or "", "email": getattr(contact, "email", "") or ""}


def template_render(*, template_name: str, channel: str, contact=None, locale: str = "",
                    context: dict | None = None, variants: list[Variant] | None = None) -> Rendered:
    """The text ``contact`` (a Contact, or None) gets for ``template_name`` on ``channel``.

    ``locale`` wins over the contact's own; ``context`` fills the caller's placeholders and
    overrides the contact's fields; ``variants`` (from ``template_variants``, read once for many
    renderings) saves the lookup. Raises TemplateNotFound (no such template, or no variant
    for the channel) and TemplateRefused (a WhatsApp template that is not approved), each a
    ValidationError whose message says why.
    """
    if variants is None:
        variants = template_variants(template_name)
    variant = variant_choose(variants, channel=channel,
                             locale=locale or getattr(contact, "locale", "") or "")
    if variant is None:
        raise TemplateNotFound({"template": [f"Template {template_name!r} has no {channel} variant."]},
                               code="no_variant")
    values = {**contact_context(contact), **(context or {})}
    texts = (variant.body, variant.subject, variant.html)
    if PREFERENCES_URL not in values and any(PREFERENCES_URL in placeholders_in(t) for t in texts):
        values[PREFERENCES_URL] = _preferences_url(contact)
    used = {n for t in texts for n in placeholders_in(t)} | set(variant.whatsapp_parameters)
    values.update({n: "" for n in used if n not in values})  # checked when saved; a gap stays blank
    body, subject, html = (placeholders_fill(t, values) for t in texts)
    whatsapp = _whatsapp(variant, values) if channel == "whatsapp" and variant.whatsapp_template else None
    return Rendered(body=body, subject=subject, html=html, variant=variant, whatsapp=whatsapp)


def _preferences_url(contact) -> str:
    if contact is None or getattr(contact, "pk", None) is None:
        return ""
    return preferences_url(contact=contact)


def _whatsapp(variant: Variant, values: dict) -> dict:
    """The approved WhatsApp template to send, with its body parameters; TemplateRefused if not approved."""
    language = variant.whatsapp_language or "en_US"
    row = WhatsAppTemplate.objects.filter(name=variant.whatsapp_template, language=language).first()
    if row is None:
        raise TemplateRefused({"template": [
            f"WhatsApp template {variant.whatsapp_template!r} ({language}) is unknown: run whatsapp_templates_sync."]},
            code="whatsapp_unknown")
    if row.status != "APPROVED":
        why = f": {row.reason}" if row.reason else ""
        raise TemplateRefused({"template": [
            f"WhatsApp template {row.name!r} ({language}) is {row.status}, not APPROVED{why}."]},
            code="whatsapp_not_approved")
    parameters = [{"type": "text", "text": str(values.get(n, ""))} for n in variant.whatsapp_parameters]
    template = {"name": row.name, "language": {"code": language}}
    if parameters:
        template["components"] = [{"type": "body", "parameters": parameters}]
    return template
