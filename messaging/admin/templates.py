"""Templates in the admin: variants inline, checked before saving, and a preview per variant.

The preview renders every variant for a chosen contact (``?contact=<id>`` on the change page)
exactly as a send would (messaging.templates.render), with what one SMS of it costs: parts,
and the UCS-2 warning when one character makes the message 70 characters a part.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from messaging import models as m
from messaging.templates.render import Variant, template_render
from messaging.templates.services import template_allowed_placeholders, variant_errors, variant_sms_summary
from messaging.values.locales import locale_normalize


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        template = self.instance  # the parent, with the name and placeholders just posted
        allowed = template_allowed_placeholders(name=template.name or "", declared=template.placeholders or [])
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            for field, messages in variant_errors(data, allowed=allowed).items():
                form.add_error(field if field in form.fields else None, messages)
            key = (data.get("channel"), data.get("locale") or "")
            if key in seen:
                form.add_error("locale", f"Two {key[0]} variants for {key[1] or 'the default locale'}.")
            seen.add(key)

    def save_new(self, form, commit=True):
        form.instance.locale = locale_normalize(form.instance.locale)
        return super().save_new(form, commit)


class VariantInline(admin.StackedInline):
    model = m.TemplateVariant
    formset = VariantFormSet
    extra = 0
    fields = ["channel", "locale", "subject", "body", "html", "whatsapp_template", "whatsapp_language",
              "whatsapp_parameters"]


@admin.register(m.Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "variant_count", "updated_at"]
    search_fields = ["name", "description"]
    inlines = [VariantInline]
    change_form_template = "admin/messaging/template/change_form.html"

    @admin.display(description="variants")
    def variant_count(self, obj):
        return obj.variants.count()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._previews(request, object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _previews(self, request, object_id) -> dict:
        template = m.Template.objects.filter(pk=object_id).prefetch_related("variants").first()
        contact_id = request.GET.get("contact", "")
        contact = m.Contact.objects.filter(pk=contact_id).first() if contact_id.isdigit() else None
        if template is None:
            return {}
        rows = []
        for v in template.variants.all():
            variant = Variant(channel=v.channel, locale=v.locale, body=v.body, subject=v.subject, html=v.html)
            try:
                rendered = template_render(template_name=template.name, channel=v.channel, contact=contact,
                                           locale=v.locale, variants=[variant])
                body, subject, error = rendered.body, rendered.subject, ""
            except Exception as exc:  # noqa: BLE001 - the preview shows why a variant does not render
                body, subject, error = "", "", str(exc)
            rows.append({"channel": v.channel, "locale": v.locale or "default", "subject": subject, "body": body,
                         "error": error,
                         "sms": variant_sms_summary(body) if v.channel in ("sms", "whatsapp") and body else ""})
        return {"previews": rows, "preview_contact": contact,
                "preview_contacts": m.Contact.objects.order_by("name").values("pk", "name", "locale")[:200]}


@admin.register(m.WhatsAppTemplate)
class WhatsAppTemplateAdmin(admin.ModelAdmin):
    """Read-only: what ``manage.py whatsapp_templates_sync`` last read from AWS."""

    list_display = ["name", "language", "status", "category", "reason", "synced_at"]
    list_filter = ["status", "language", "category"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "required", "description", "created_at"]
    list_filter = ["required"]
    search_fields = ["name"]


@admin.register(m.ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = ["contact", "topic", "channel", "allowed", "updated_at"]
    list_filter = ["topic", "channel", "allowed"]
    search_fields = ["contact__name", "contact__phone", "contact__email"]
    raw_id_fields = ["contact"]
