"""What came in: every SNS notification stored first, the delivery events and the inbound SMS."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from messaging.models.messages import OutboundMessage
from messaging.models.owned import Channel


class NotificationKind(models.TextChoices):
    INBOUND_SMS = "inbound_sms", "Inbound SMS"
    SMS_EVENT = "sms_event", "SMS/voice event"
    SES_EVENT = "ses_event", "SES event"
    INBOUND_EMAIL = "inbound_email", "Inbound email"
    WHATSAPP_EVENT = "whatsapp_event", "WhatsApp event"
    S3_EVENT = "s3_event", "S3 event"
    SUBSCRIPTION = "subscription", "Subscription confirmation"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribe confirmation"
    OTHER = "other", "Other"


class NotificationStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Stored, not acted on"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Stored, refused"


class SnsNotification(models.Model):
    """Every verified SNS delivery, stored raw before anything acts on it."""

    message_id = models.CharField("SNS MessageId", max_length=100)
    type = models.CharField(max_length=40)
    topic_arn = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    raw = models.JSONField()
    kind = models.CharField(max_length=20, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    status = models.CharField(max_length=12, choices=NotificationStatus.choices,
                              default=NotificationStatus.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    subscribe_url = models.URLField(max_length=2000, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SNS notification"
        ordering = ["-received_at"]
        constraints = [
            # What makes a redelivery a no-op; a constraint (not unique=True) so PostgreSQL
            # builds no extra LIKE index on it.
            models.UniqueConstraint(fields=["message_id"], name="sns_message_id_unique"),
        ]
        indexes = [
            # Only the rows that need someone: unfinished ones (the resume sweep) and failed ones
            # (the admin's filter). Nearly every row is stored processed and never enters it.
            models.Index(fields=["received_at"], condition=models.Q(status__in=["received", "failed"]),
                         name="sns_attention_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class EventType(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Complained"
    READ = "read", "Read"
    UNKNOWN = "unknown", "Unknown"


class DeliveryEvent(models.Model):
    """One provider callback about one message, normalized, with its raw record kept."""

    message = models.ForeignKey(OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="events")
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    provider_message_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=16, choices=EventType.choices)
    provider_event = models.CharField(max_length=80, blank=True, help_text="e.g. TEXT_DELIVERED, Bounce")
    permanent = models.BooleanField(null=True, blank=True, help_text="For failures: can a retry help?")
    description = models.TextField(blank=True)
    recipient = models.CharField(max_length=320, blank=True)
    parts = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    notification = models.ForeignKey(SnsNotification, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["provider_message_id"], name="event_provider_id_idx"),
                   # An erasure finds the events that never met their message by recipient; the
                   # rest it finds through the message. Partial: the ingest path pays for few rows.
                   models.Index(fields=["recipient"], condition=models.Q(message__isnull=True),
                                name="event_stray_recipient_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.provider_message_id}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    HANDLED = "handled", "Handled"
    UNHANDLED = "unhandled", "No handler took it"
    # Taken and deliberately left alone: a shift code from a number not on the allow-list.
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"


class InboundSms(models.Model):
    inbound_message_id = models.CharField(max_length=100, unique=True)
    origination_number = models.CharField("from", max_length=32, db_index=True)
    destination_number = models.CharField("to", max_length=32, blank=True)
    keyword = models.CharField(max_length=64, blank=True)
    body = models.TextField(blank=True)
    previous_published_message_id = models.CharField(max_length=200, blank=True, db_index=True)
    raw = models.JSONField(default=dict)
    notification = models.ForeignKey(SnsNotification, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    handled_by = models.CharField(max_length=200, blank=True)
    outcome = models.TextField(blank=True, help_text="What the handler did, or why it did nothing.")
    reply = models.TextField(blank=True)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    # WhatsApp messages in go through the same handlers; the answer goes back on this channel.
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SMS)
    # The message this one answers (messaging.inbound.context): its owner had the first say, and
    # a reply to a campaign or a bulk send is counted there through this link.
    answers = models.ForeignKey(OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="replies")

    class Meta:
        verbose_name = "inbound SMS"
        verbose_name_plural = "inbound SMS"
        ordering = ["-received_at"]
        # For the admin's handler and number filters: their choices are read by skipping along
        # these (a few index probes per distinct value, not a DISTINCT over every row), and a
        # filtered page reads its newest rows from them.
        indexes = [models.Index(fields=["handled_by", "received_at"], name="inbound_handler_idx"),
                   models.Index(fields=["destination_number", "received_at"], name="inbound_destination_idx")]

    def __str__(self) -> str:
        return f"{self.origination_number}: {self.body[:40]}"
