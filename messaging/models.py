"""The messaging core: who we talk to, what we sent, what came back, and what is due."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from messaging import limits
from messaging.phones import validate_e164


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to something of another app (an incident, a campaign, a dispatch)."""

    def owned_by(self, owner: models.Model | type[models.Model]):
        """Rows owned by ``owner``: one instance, or any instance of a model class."""
        if isinstance(owner, type):
            return self.filter(owner_type=ContentType.objects.get_for_model(owner))
        return self.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)


def owned_by_kind(row: models.Model, owner: type[models.Model]) -> bool:
    """Whether ``row`` belongs to an instance of ``owner``: no query (ContentType caches its ids)."""
    return row.owner_type_id == ContentType.objects.get_for_model(owner).pk


def owner_fields(owner: models.Model | None) -> dict:
    """The two columns that record ``owner`` on a row being created; empty for no owner."""
    if owner is None:
        return {}
    return {"owner_type": ContentType.objects.get_for_model(owner), "owner_id": owner.pk}


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    WHATSAPP = "whatsapp", "WhatsApp"
    VOICE = "voice", "Voice"


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

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"


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


class TimerState(models.TextChoices):
    PENDING = "pending", "Pending"
    FIRED = "fired", "Fired"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class Timer(models.Model):
    """A durable one-shot timer; see docs/architecture.md for how it fires on time."""

    label = models.CharField(max_length=200, blank=True)
    callback = models.CharField(max_length=200, help_text="Dotted path of the function to call.")
    kwargs = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=16, choices=TimerState.choices, default=TimerState.PENDING)
    owner_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    created_at = models.DateTimeField(auto_now_add=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="timer_state_due_idx"),
            models.Index(fields=["owner_type", "owner_id"], name="timer_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.callback} @ {self.due_at:%H:%M:%S} [{self.state}]"

    @property
    def lateness(self):
        return (self.fired_at - self.due_at).total_seconds() if self.fired_at else None


class SenderPace(models.Model):
    """Per-sender pacing state shared by every worker process (the SMS rate limit)."""

    sender = models.CharField(max_length=256, unique=True)
    next_free_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.sender


class ApiScope(models.TextChoices):
    """What an API key may do; each /api/v1/ view names the one scope it needs."""

    MESSAGES = "messages", "Send messages (POST messages/)"
    LOG = "log", "Read what this key sent (GET message-log/, GET messages/{id}/)"
    CONTACTS = "contacts", "Create and update contacts (contacts/)"
    INCIDENTS = "incidents", "Open, read and resolve incidents"
    SHIFTS = "shifts", "Shifts, shift campaigns and the allow-list"
    # Not a call of its own: it widens ``log`` from this key's messages to every message, other
    # keys' one-time codes and the portal's own pages included (messaging.api.keys).
    ALL_MESSAGES = "all_messages", "With log: read every message, not only this key's"


class ApiKey(models.Model):
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A row made without naming scopes can do nothing: rights are granted, never assumed.
    scopes = models.JSONField(default=list, blank=True, help_text=(
        "What the key may do: any of " + ", ".join(ApiScope.values) + "."))
    # null, not [], is "any sender", so that an empty list keeps meaning what it says.
    senders = models.JSONField(null=True, blank=True, help_text=(
        "Empty (null): any sender. A list: the only `sender` values POST messages/ accepts from this key "
        "(phone numbers, origination identities, WhatsApp phone-number ids, email addresses, or @domain)."))

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # DRF's IsAuthenticated checks this on request.user, which is the key itself.
    is_authenticated = True


# ---------------------------------------------------------------- inbound and events


class NotificationKind(models.TextChoices):
    INBOUND_SMS = "inbound_sms", "Inbound SMS"
    SMS_EVENT = "sms_event", "SMS/voice event"
    SES_EVENT = "ses_event", "SES event"
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
        indexes = [models.Index(fields=["provider_message_id"], name="event_provider_id_idx")]

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


class OptOut(models.Model):
    """Self-managed SMS consent: a number that said STOP (active) or came back with START."""

    phone = models.CharField(max_length=32, unique=True)
    active = models.BooleanField(default=True, help_text="Opted out now.")
    keyword = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=32, blank=True, help_text="keyword, provider, admin, sync")
    opted_out_at = models.DateTimeField(default=timezone.now)
    opted_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SMS opt-out"
        ordering = ["-opted_out_at"]

    def __str__(self) -> str:
        return self.phone


class SuppressionReason(models.TextChoices):
    BOUNCE = "bounce", "Permanent bounce"
    COMPLAINT = "complaint", "Complaint"
    MANUAL = "manual", "Added by hand"


class Suppression(models.Model):
    """An email address the portal will not send to (SES bounce or complaint)."""

    address = models.CharField(max_length=320, unique=True)
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "email suppression"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.address


# ---------------------------------------------------------------- omnichannel dispatches


class DispatchUseCase(models.TextChoices):
    FALLBACK = "fallback", "Fallback"
    BROADCAST = "broadcast", "Broadcast"


class FallbackState(models.TextChoices):
    NONE = "none", "No fallback (broadcast)"
    WAITING = "waiting", "Waiting for a delivery"
    CANCELLED = "cancelled", "Not needed: primary delivered"
    SENT = "sent", "Fallback sent"


class AttemptRole(models.TextChoices):
    PRIMARY = "primary", "Primary"
    FALLBACK = "fallback", "Fallback"


class Dispatch(models.Model):
    """One omnichannel request (POST /api/v1/messages/): a primary channel and a fallback channel.

    Each channel's send is a message-log row tied to this dispatch by a ``DispatchAttempt``.
    ``fallback_state`` is the one fact the fallback logic decides on; it is only changed with the
    row locked, so a delivery event and the fallback timer racing each other have one outcome.
    """

    use_case = models.CharField(max_length=16, choices=DispatchUseCase.choices)
    fallback_seconds = models.PositiveIntegerField(null=True, blank=True,
                                                   validators=[MaxValueValidator(limits.FALLBACK_SECONDS_MAX)])
    fallback_state = models.CharField(max_length=16, choices=FallbackState.choices, default=FallbackState.NONE,
                                      db_index=True)
    fallback_due_at = models.DateTimeField(null=True, blank=True)
    fallback_reason = models.CharField(max_length=300, blank=True,
                                       help_text="Why the fallback went out, or why it was not needed.")
    fallback_decided_at = models.DateTimeField(null=True, blank=True)
    fallback_timer = models.ForeignKey(Timer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What each channel will be sent with (message_send keyword arguments), so the fallback can
    # go out long after the request; ``request`` is the payload exactly as it arrived.
    primary = models.JSONField(default=dict)
    fallback = models.JSONField(default=dict)
    request = models.JSONField(default=dict, blank=True)
    # An Idempotency-Key belongs to the API key that sent it (a unique pair, see Meta); the
    # fingerprint is the SHA-256 of the request body, so a replay with another body is refused.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "omnichannel dispatch"
        verbose_name_plural = "omnichannel dispatches"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["api_key", "idempotency_key"],
                                               name="dispatch_idempotency_key_per_api_key")]

    def __str__(self) -> str:
        return f"Dispatch #{self.pk} ({self.use_case})"


class DispatchAttempt(models.Model):
    """The send on one channel of a dispatch: its role and its message-log row."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="attempts")
    role = models.CharField(max_length=16, choices=AttemptRole.choices)
    message = models.OneToOneField(OutboundMessage, on_delete=models.CASCADE, related_name="dispatch_attempt")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dispatch", "created_at", "id"]
        # The database itself refuses a second fallback send for one dispatch.
        constraints = [models.UniqueConstraint(fields=["dispatch", "role"], name="dispatch_attempt_role_unique")]

    def __str__(self) -> str:
        return f"{self.role} of dispatch #{self.dispatch_id}"


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


# The audience's models live in their own module (messaging.audience.models), imported here so
# that Django registers them with this app and callers find every model in messaging.models.
from messaging.audience.models import (  # noqa: E402, F401
    BulkSend,
    BulkSendStatus,
    ImportChunk,
    ImportKind,
    ImportRun,
    ImportStatus,
    WhatsAppOptOut,
)
from messaging.conversations.models import Conversation  # noqa: E402, F401
from messaging.history.models import ArchivedDay, DailyDeliveryTime  # noqa: E402, F401
