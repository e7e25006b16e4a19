"""Templates, their variants, and the WhatsApp templates Meta approved (synced from AWS).

A template is found by its unique ``name``; names of the portal's own texts (``incident.page``,
…) are reserved: a row with such a name overrides the built-in wording (messaging/templates/builtin.py).
"""

from __future__ import annotations

from django.db import models

from messaging.values.locales import LOCALE_MAX_LENGTH, validate_locale


class TemplateChannel(models.TextChoices):
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", "Email"
    VOICE = "voice", "Voice"


class Template(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    # Names a caller fills besides the contact's fields ({name}, {first_name}, {phone}, {email},
    # {preferences_url}): a bulk send's file columns, for instance. Anything else is an error.
    placeholders = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateVariant(models.Model):
    """One wording: for one channel, in one locale (blank: the default for everyone else)."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="variants")
    channel = models.CharField(max_length=16, choices=TemplateChannel.choices)
    locale = models.CharField(max_length=LOCALE_MAX_LENGTH, blank=True, default="", validators=[validate_locale],
                              help_text="BCP 47 (es, es-MX); blank is the default variant")
    body = models.TextField(help_text="SMS, WhatsApp or voice text; the plain-text part of an email")
    subject = models.CharField(max_length=998, blank=True, help_text="Email only")  # RFC 5322's line limit
    html = models.TextField(blank=True, help_text="Email only: the HTML part")
    # Outside WhatsApp's 24-hour window only an approved template may go: this variant may name
    # one (as synced by whatsapp_templates_sync), its body parameters filled from these names.
    whatsapp_template = models.CharField(max_length=512, blank=True)
    whatsapp_language = models.CharField(max_length=16, blank=True)
    whatsapp_parameters = models.JSONField(default=list, blank=True,
                                           help_text='Placeholder names for {{1}}, {{2}}, … e.g. ["name", "ref"]')

    class Meta:
        ordering = ["template", "channel", "locale"]
        constraints = [models.UniqueConstraint(fields=["template", "channel", "locale"],
                                               name="template_variant_channel_locale_unique")]

    def __str__(self) -> str:
        return f"{self.template.name} [{self.channel} {self.locale or 'default'}]"


class WhatsAppTemplate(models.Model):
    """A WhatsApp message template as Meta last reported it (``manage.py whatsapp_templates_sync``)."""

    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16)
    meta_template_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, help_text="APPROVED, PENDING, REJECTED, PAUSED, DISABLED …")
    category = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why Meta did not approve it, if it said")
    components = models.JSONField(default=list, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "language"]
        verbose_name = "WhatsApp template"
        constraints = [models.UniqueConstraint(fields=["name", "language"], name="whatsapp_template_name_language")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language}, {self.status})"
