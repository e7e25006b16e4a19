"""What was sent: the message log, its status ladder, the sender pace, and the daily counts."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from messaging.models.owned import Channel, OwnedQuerySet


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Suppressed"


# A status only moves up this ladder: a late "sent" event never undoes "delivered".
STATUS_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.FAILED: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.SUPPRESSED: 4,
}


class OutboundMessage(models.Model):
    """One send attempt on one channel: the message log."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    sender = models.CharField("origination identity", max_length=256, blank=True)
    recipient = models.CharField(max_length=320)
    subject = models.CharField(max_length=998, blank=True)
    body = models.TextField(blank=True)
    options = models.JSONField(default=dict, blank=True)
    # Not indexed: every delivery event rewrites it, and an index on it would make each of those
    # updates rewrite every index of the table instead of updating the row in place.
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    provider_message_id = models.CharField(max_length=200, blank=True)
    provider_alt_id = models.CharField(max_length=200, blank=True,
                                       help_text="A second provider id events may use (WhatsApp wamid).")
    error_code = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    parts = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set while a worker holds the row; the conditional UPDATE on it makes delivery run once.
    claimed_at = models.DateTimeField(null=True, blank=True)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="retries")
    # msg_owner_idx starts with owner_type, so the foreign key needs no index of its own.
    owner_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "message log entry"
        verbose_name_plural = "message log"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="msg_owner_idx"),
            models.Index(fields=["channel", "recipient", "-created_at"], name="msg_recipient_idx"),
            # Meta indexes rather than db_index: on PostgreSQL db_index on a CharField adds a
            # second, LIKE-only index that nothing here uses but every write pays for.
            models.Index(fields=["provider_message_id"], name="msg_provider_id_idx"),
            models.Index(fields=["provider_alt_id"], name="msg_provider_alt_id_idx"),
            # Only rows a worker holds right now: the stale-claim sweep reads it every minute,
            # and sent or delivered rows (claimed_at empty) never enter it.
            models.Index(fields=["claimed_at"], condition=models.Q(claimed_at__isnull=False),
                         name="msg_claimed_idx"),
            # Failed rows only, newest first: the admin home's "failed in the last hour". A
            # delivered row never sets failed_at, so its status update stays a HOT update.
            models.Index(fields=["-failed_at"], condition=models.Q(failed_at__isnull=False),
                         name="msg_failed_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} → {self.recipient} [{self.status}]"


class SenderPace(models.Model):
    """Per-sender pacing state shared by every worker process (the SMS rate limit)."""

    sender = models.CharField(max_length=256, unique=True)
    next_free_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.sender


class DailyMessageCount(models.Model):
    """Messages created on one day, by channel and status now, with their spend: the report's
    history. Rebuilt for recent days by a schedule (messaging/history/rollups.py) and kept when
    archiving deletes the rows it counts. A row with empty channel and status marks a day done.
    """

    day = models.DateField()
    channel = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, blank=True)
    messages = models.PositiveIntegerField(default=0)
    spend = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "daily message count"
        ordering = ["-day", "channel", "status"]
        constraints = [models.UniqueConstraint(fields=["day", "channel", "status"], name="daily_count_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.status}: {self.messages}"
