"""The audience's models: WhatsApp's own consent, import runs and bulk sends.

Kept out of ``messaging.models`` (which imports this module at its end, so they register
with the messaging app); they name the models there by string, so nothing here imports it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WhatsAppOptOut(models.Model):
    """WhatsApp consent, kept apart from SMS: a STOP on WhatsApp stops WhatsApp, not texts."""

    phone = models.CharField(max_length=32, unique=True)
    active = models.BooleanField(default=True, help_text="Opted out now.")
    keyword = models.CharField(max_length=64, blank=True)
    opted_out_at = models.DateTimeField(default=timezone.now)
    opted_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "WhatsApp opt-out"
        ordering = ["-opted_out_at"]

    def __str__(self) -> str:
        return self.phone


class ImportKind(models.TextChoices):
    CONTACTS = "contacts", "Contacts"
    ALLOW_LIST = "allow_list", "Allow-list"
    BULK_SEND = "bulk_send", "Bulk send (from S3)"


class ImportStatus(models.TextChoices):
    CHECKED = "checked", "Checked, waiting for confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """One file imported (from the admin or an S3 drop), with its progress and its outcome.

    Large files run as a django-q2 task; the admin reads ``done`` of ``total`` while it runs,
    and ``errors`` names each bad line ({"line", "field", "error"}) when the file was refused.
    """

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    source = models.CharField(max_length=16, help_text="admin, api or s3")
    name = models.CharField(max_length=1100, help_text="The file name, or s3://bucket/key.")
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="e.g. the chosen allow-list scope")
    # No longer written: files are kept as ImportChunk rows (streamed, any size). Read only for
    # runs checked before the chunks existed, so that their "Import now" still works.
    data = models.BinaryField(blank=True, default=b"", editable=False)
    size = models.BigIntegerField(default=0, help_text="Bytes of the stored file.")
    error_count = models.PositiveIntegerField(default=0, help_text="Every bad line; ``errors`` keeps the first 100.")
    # The worker's claim (messaging.audience.import_runs): a run is "running" only while
    # ``lease_until`` is ahead; a worker that dies lets it lapse, and the next claim takes over.
    # ``attempt`` counts claims and fences a stale worker out of the run's rows.
    lease_until = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    # Where the last committed batch ended: the next claim resumes here (bytes into the file,
    # and the file's line number there). ``checked`` once every line has passed the check.
    checked = models.BooleanField(default=False)
    resume_offset = models.BigIntegerField(default=0)
    resume_line = models.PositiveIntegerField(default=1)
    notification = models.ForeignKey("messaging.SnsNotification", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="import_runs")
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.name}"


class ImportChunk(models.Model):
    """One piece of an uploaded file, in order: the file lives in the database, so a qcluster on
    another host reads what the web process received (docs/architecture.md, "Large imports")."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="import_chunk_run_seq")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq}"


class BulkSendStatus(models.TextChoices):
    CHECKING = "checking", "Being checked on a worker"
    CHECKED = "checked", "Checked, waiting for confirmation"
    SCHEDULED = "scheduled", "Waiting for its send_at"
    SENDING = "sending", "Sending (some recipients may be held by quiet hours)"
    SENT = "sent", "Handed to the send queue"
    FAILED = "failed", "Refused"
    CANCELLED = "cancelled", "Cancelled"


class BulkPurpose(models.TextChoices):
    # TCPA (47 CFR 64.1200(c)(1)) limits telephone solicitation to 8 a.m.-9 p.m. at the called
    # party's location: promotional sends get BULK_PROMOTIONAL_QUIET_HOURS unless they name their own.
    TRANSACTIONAL = "transactional", "Transactional"
    PROMOTIONAL = "promotional", "Promotional"


class BulkSend(models.Model):
    """A file of recipients and one message template, filled per line from the file's columns.

    Sent like a campaign (one message-log row per line, owned by this row, paced by the send
    queue); the admin's page counts its messages by status as its progress. Its file is kept by
    the ``ImportRun`` (kind bulk_send) whose worker checks it and, once confirmed, sends it.
    """

    name = models.CharField(max_length=1100, help_text="The file name, or s3://bucket/key.")
    template = models.TextField(help_text="e.g. Hi {name}, {shift} is yours if you reply YES")
    source = models.CharField(max_length=16, help_text="admin, s3 or api")
    status = models.CharField(max_length=12, choices=BulkSendStatus.choices, default=BulkSendStatus.CHECKED)
    channel = models.CharField(max_length=16, default="sms", help_text="sms, whatsapp or email")
    subject = models.CharField(max_length=998, blank=True, help_text="Email only; placeholders fill in.")
    template_name = models.CharField(max_length=200, blank=True, help_text="A named template, filled per recipient.")
    topic = models.CharField(max_length=200, blank=True, help_text="Recipients opted out of it are skipped.")
    tag = models.ForeignKey("messaging.Tag", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    purpose = models.CharField(max_length=16, choices=BulkPurpose.choices, default=BulkPurpose.TRANSACTIONAL)
    send_at = models.DateTimeField(null=True, blank=True, help_text="Nothing goes out before this.")
    quiet_start = models.TimeField(null=True, blank=True, help_text="Quiet hours in each recipient's zone.")
    quiet_end = models.TimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="What is still held then fails.")
    # Confirmation sends (messaging.audience.confirmations): {"answers", "reply", "reminders",
    # "reminder_minutes", "reminder_message", "deadline", "summary_to"}; empty for a plain send.
    confirm = models.JSONField(default=dict, blank=True)
    # Email only: ids of the ``Attachment`` rows every recipient's email carries (stored once).
    attachments = models.JSONField(default=list, blank=True)
    # Send-time data (messaging.audience.bulk_enrich): {"url", "on_failure": skip, send_without
    # or hold, "retries"}; empty for a send without.
    enrichment = models.JSONField(default=dict, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=list, blank=True)
    longest_parts = models.PositiveIntegerField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    data = models.BinaryField(blank=True, default=b"", editable=False)
    notification = models.ForeignKey("messaging.SnsNotification", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="bulk_sends")
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The API key that made it: a key reads its own sends, or every send with ``all_messages``.
    api_key = models.ForeignKey("messaging.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class RecipientStatus(models.TextChoices):
    """A recipient's own state until its message is written; then the message's status counts."""

    QUEUED = "queued", "Queued"
    DEFERRED = "deferred", "Held by quiet hours"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Suppressed"


class BulkRecipient(models.Model):
    """One recipient of a bulk send: its columns, its hold, its message and its answer."""

    bulk = models.ForeignKey(BulkSend, on_delete=models.CASCADE, related_name="recipient_rows")
    address = models.CharField(max_length=320, help_text="E.164 phone, or an email address.")
    contact = models.ForeignKey("messaging.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    columns = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=RecipientStatus.choices, default=RecipientStatus.QUEUED)
    release_at = models.DateTimeField(null=True, blank=True, help_text="Held until then (quiet hours).")
    released_at = models.DateTimeField(null=True, blank=True, help_text="When its message was logged.")
    # SET_NULL: archiving keeps the link in the archive (messaging.history.archive.plan) and the
    # row stays; ``released_at``, not this, says whether the message was logged.
    message = models.ForeignKey("messaging.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    error = models.TextField(blank=True)
    reply = models.TextField(blank=True, help_text="Their latest reply, as sent.")
    replied_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=64, blank=True, help_text="The expected answer their reply gave.")
    reminders = models.PositiveSmallIntegerField(default=0)
    # The enrichment URL's answer, kept so that a retry or a reminder never calls again: null until
    # it answered (or until the send chose to go without); ``ext_attempts`` counts held retries.
    ext = models.JSONField(null=True, blank=True)
    ext_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["bulk", "id"]
        indexes = [models.Index(fields=["bulk", "status", "release_at"], name="bulk_recipient_hold_idx"),
                   models.Index(fields=["bulk", "address"], name="bulk_recipient_address_idx")]

    def __str__(self) -> str:
        return f"{self.address} [{self.status}]"
