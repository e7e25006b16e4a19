"""Open shifts, the campaigns that offer them, and who booked what."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper

from messaging.models import Contact, Tag
from messaging.values.instants import instant_validate


class ShiftStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    TAKEN = "taken", "Taken"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class NotifyChannel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class Shift(models.Model):
    # Stored upper-case (shifts.codes.shift_code_normalize); the Upper() constraint also
    # stops a hand-written lower-case duplicate from slipping past the service.
    code = models.CharField(max_length=20, help_text="What employees text to book it, e.g. XYZ1234. Any case.")
    info = models.CharField("information", max_length=300, help_text="Shown in campaigns, REQUEST and the "
                            "booking confirmation, e.g. 'Warehouse picker, overtime rate'.")
    starts_at = models.DateTimeField(null=True, blank=True, validators=[instant_validate])
    ends_at = models.DateTimeField(null=True, blank=True, validators=[instant_validate])
    time_zone = models.CharField(max_length=64, blank=True,
                                 help_text="IANA zone the times are shown in (default: the portal's TIME_ZONE).")
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=ShiftStatus.choices, default=ShiftStatus.AVAILABLE,
                              db_index=True)
    booked_phone = models.CharField("booked by (phone)", max_length=32, blank=True, db_index=True)
    booked_by = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="booked_shifts")
    booked_at = models.DateTimeField(null=True, blank=True)
    campaign = models.ForeignKey("ShiftCampaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="booked_shifts",
                                 help_text="The campaign the booker answered (they received it before booking).")
    notify_manager = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="managed_shifts",
                                       help_text="Tell this person when the shift is taken.")
    notify_channel = models.CharField(max_length=8, choices=NotifyChannel.choices, blank=True)
    schedule = models.ForeignKey("oncall.Schedule", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="shifts",
                                 help_text="On-call cover: whoever books this shift is on call on this schedule "
                                           "for its hours. Needs a start and an end.")
    cover = models.OneToOneField("oncall.ScheduleOverride", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="shift", editable=False,
                                 help_text="The override the booking made on the schedule.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [models.F("starts_at").asc(nulls_last=True), "code"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="shift_code_upper_unique",
                                    violation_error_message="A shift with this code already exists."),
            models.CheckConstraint(condition=models.Q(ends_at__isnull=True) | models.Q(starts_at__isnull=True)
                                   | models.Q(ends_at__gt=models.F("starts_at")),
                                   name="shift_ends_after_start",
                                   violation_error_message="The shift must end after it starts."),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.info[:40]}"

    def clean(self):
        if self.schedule_id and not (self.starts_at and self.ends_at):
            raise ValidationError({"schedule": "An on-call shift needs a start and an end: its booker is on call "
                                               "for exactly those hours."})


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"


class ShiftCampaign(models.Model):
    """A message offering open shifts to every contact carrying a tag."""

    name = models.CharField(max_length=200)
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="shift_campaigns",
                            help_text="The audience: every contact carrying this tag.")
    shifts = models.ManyToManyField(Shift, blank=True, related_name="campaigns",
                                    help_text="The shifts offered; the default message lists them.")
    message = models.TextField(blank=True, help_text="Leave empty to compose it from the selected shifts.")
    # A template by name: each contact gets its SMS variant in their own language, instead of ``message``.
    template = models.CharField(max_length=100, blank=True,
                                help_text="A template's name; each contact gets its variant in their language.")
    # A topic: contacts who opted out of it by SMS are skipped (messaging.topics.preferences).
    topic = models.ForeignKey("messaging.Topic", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    send_at = models.DateTimeField(null=True, blank=True, validators=[instant_validate],
                                   help_text="Leave empty to send when you press Send.")
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT,
                              db_index=True)
    recipients = models.PositiveIntegerField(default=0, help_text="Contacts the message was sent to.")
    timer = models.ForeignKey("messaging.Timer", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "shift campaign"
        ordering = ["-created_at", "-id"]
        permissions = [("send_shiftcampaign", "Can send shift campaigns")]

    def __str__(self) -> str:
        return self.name


class CoverAskOutcome(models.TextChoices):
    OPEN = "open", "Offered"
    TAKEN = "taken", "Taken"
    UNFILLED = "unfilled", "Nobody took it"


class CoverAsk(models.Model):
    """A schedule member's turn offered to the others (COVER by text, or the schedule page's button):
    the on-call shift that offers it, and who asked, to be told who took it or that nobody did."""

    shift = models.OneToOneField(Shift, on_delete=models.CASCADE, related_name="cover_ask")
    schedule = models.ForeignKey("oncall.Schedule", on_delete=models.CASCADE, related_name="+")
    asker = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=16, choices=CoverAskOutcome.choices, default=CoverAskOutcome.OPEN)
    offered_to = models.PositiveIntegerField(default=0, help_text="Members texted the offer.")
    created_by = models.CharField(max_length=200, blank=True, help_text="'SMS', or the admin user who asked.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cover request"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.asker} asks cover on {self.schedule} ({self.shift.code})"
