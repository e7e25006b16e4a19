"""Who the portal talks to: contacts, their tags, their number type, and the allow-list."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from messaging.audience.quiet_hours import time_zone_validate
from messaging.phones import validate_e164
from messaging.values import limits
from messaging.values.locales import LOCALE_MAX_LENGTH, locale_normalize, validate_locale


class Tag(models.Model):
    """A group of contacts (e.g. ``overtime-east``); campaigns and policies address tags."""

    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NumberType(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    LANDLINE = "landline", "Fixed line"
    FIXED_OR_MOBILE = "fixed_or_mobile", "Fixed line or mobile"
    VOIP = "voip", "VoIP"
    TOLL_FREE = "toll_free", "Toll-free"
    PREPAID = "prepaid", "Prepaid mobile"
    OTHER = "other", "Other"
    INVALID = "invalid", "Invalid"
    UNKNOWN = "unknown", "Unknown"


class Contact(models.Model):
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=16, unique=True, validators=[validate_e164],
                             help_text="E.164, for example +12065550100")
    email = models.EmailField(blank=True)
    whatsapp = models.CharField("WhatsApp number", max_length=16, blank=True, validators=[validate_e164])
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    # IANA zone (Europe/Berlin). Quiet hours of bulk sends use it; without it, the zones the
    # number can be in (phonenumbers) count.
    time_zone = models.CharField(max_length=64, blank=True, validators=[time_zone_validate],
                                 help_text="IANA time zone, e.g. America/Chicago")
    # BCP 47 (es-MX): which variant of a template this person gets; blank takes the default.
    locale = models.CharField(max_length=LOCALE_MAX_LENGTH, blank=True, default="", validators=[validate_locale],
                              help_text="BCP 47 language tag, for example es or es-MX; blank for the default")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Is it a mobile? Offline from phonenumbers by default, from AWS's CarrierLookup with
    # NUMBER_LOOKUP=aws (messaging.audience.lookup); a landline gets no SMS.
    number_type = models.CharField(max_length=16, choices=NumberType.choices, default=NumberType.UNKNOWN,
                                   db_index=True)
    carrier = models.CharField(max_length=200, blank=True)
    number_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        # Erasing a person reaches every app's rows and the archive: no role has it by default.
        permissions = [("erase_contact", "Can erase a contact and every trace of them")]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    def clean(self):
        super().clean()
        self.locale = locale_normalize(self.locale)  # ES-mx and es-MX are one locale


class RuleMethod(models.TextChoices):
    SMS = "sms", "SMS"
    VOICE = "voice", "Call"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", "Email"


class RuleUrgency(models.TextChoices):
    ANY = "any", "Any urgency"
    HIGH = "high", "High urgency only"
    LOW = "low", "Low urgency only"


class NotificationRule(models.Model):
    """How one person wants to be reached when a level pages them: a method, that many seconds after
    they were paged, for incidents of this urgency. A contact with no rules is paged as before (SMS
    at once, a call for a landline); incidents/rules.py runs them."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notification_rules")
    method = models.CharField(max_length=8, choices=RuleMethod.choices, default=RuleMethod.SMS)
    after_seconds = models.PositiveIntegerField(
        "after (seconds)", default=0, validators=[MaxValueValidator(limits.RULE_AFTER_SECONDS_MAX)],
        help_text="Seconds after this person was paged; 0 is at once.")
    urgency = models.CharField(max_length=4, choices=RuleUrgency.choices, default=RuleUrgency.ANY)

    class Meta:
        ordering = ["after_seconds", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} after {self.after_seconds} s ({self.urgency})"


class AllowListScope(models.TextChoices):
    SHIFTS = "shifts", "Shift booking"


class AllowListEntry(models.Model):
    phone = models.CharField(max_length=16, validators=[validate_e164])
    scope = models.CharField(max_length=32, choices=AllowListScope.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "allow-list entry"
        verbose_name_plural = "allow-list"
        constraints = [models.UniqueConstraint(fields=["phone", "scope"], name="allowlist_phone_scope_unique")]
        ordering = ["scope", "phone"]

    def __str__(self) -> str:
        return f"{self.phone} → {self.scope}"
