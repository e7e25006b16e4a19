"""Email in: each received email, the auto-reply rules, and who was answered when.

Kept beside its code and re-exported by ``messaging.models`` (as the conversations' model is),
so Django registers them with the messaging app.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class InboundEmail(models.Model):
    """One email SES received for us, parsed from its MIME (``email`` package, policy default)."""

    ses_message_id = models.CharField("SES message id", max_length=100, unique=True)
    notification = models.ForeignKey("messaging.SnsNotification", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_address = models.CharField("from", max_length=320, blank=True, db_index=True)
    from_name = models.CharField(max_length=200, blank=True)
    envelope_from = models.CharField("return path", max_length=320, blank=True, help_text="SMTP MAIL FROM")
    recipients = models.JSONField(default=list, help_text="Our addresses SES accepted it for.")
    to = models.TextField(blank=True, help_text="The To and Cc headers.")
    subject = models.TextField(blank=True)
    message_id = models.TextField("Message-ID", blank=True)
    in_reply_to = models.TextField("In-Reply-To", blank=True)
    references = models.TextField("References", blank=True)
    headers = models.JSONField(default=list, help_text="[name, value] in order.")
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    spam_verdict = models.CharField(max_length=32, blank=True)
    virus_verdict = models.CharField(max_length=32, blank=True)
    spf_verdict = models.CharField(max_length=32, blank=True)
    dkim_verdict = models.CharField(max_length=32, blank=True)
    dmarc_verdict = models.CharField(max_length=32, blank=True)
    # The MIME as it came in an SNS action (up to 150 KB); a large email stays in S3 instead.
    raw = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    s3_bucket = models.CharField(max_length=255, blank=True)
    s3_key = models.CharField(max_length=1024, blank=True)
    contact = models.ForeignKey("messaging.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="The contact with the sender's address, if any.")
    outcome = models.TextField(blank=True, help_text="Answered or routed, or why not.")
    auto_reply_rule = models.ForeignKey("messaging.EmailAutoReply", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    auto_reply = models.ForeignKey("messaging.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # An answer to one of our emails, routed through the inbound handlers as an SMS would be.
    routed = models.OneToOneField("messaging.InboundSms", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="email")

    class Meta:
        verbose_name = "inbound email"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject[:60]}"


class EmailAutoReply(models.Model):
    """A rule: mail to ``match`` (an address, or ``@domain``) gets one polite answer."""

    match = models.CharField(max_length=320, help_text="An address (help@example.com) or a domain (@example.com).")
    subject_prefix = models.CharField(max_length=200, blank=True, default="Re:",
                                      help_text="Put before the original subject in the answer.")
    text = models.TextField(help_text="{name} and {message_id} are filled in.")
    html = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "email auto-reply"
        ordering = ["match", "id"]
        indexes = [models.Index(fields=["match"], name="autoreply_match_idx")]

    def __str__(self) -> str:
        return self.match


class AutoReplySent(models.Model):
    """When each sender was last auto-answered: one row per address, so two workers racing on two
    emails from one sender cannot both answer (a conditional UPDATE of this row decides)."""

    sender = models.CharField(max_length=320, unique=True)
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = "auto-reply sent"

    def __str__(self) -> str:
        return self.sender
