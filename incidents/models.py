"""Incidents: escalation policies (managed in the admin), incidents and their timeline.

A running incident works from ``snapshot`` — a JSON copy of its policy taken when it opened —
so editing a policy never changes an incident that is already paging people.

Schema only; the snapshot's shape is written and read in snapshots.py, and
every change of state goes through services.py.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from messaging.models import Contact, InboundSms, OutboundMessage
from messaging.values import limits
from messaging.values.instants import instant_validate


class FinalAction(models.TextChoices):
    NONE = "none", "Nothing"
    SMS = "sms", "SMS to the duty manager"
    EMAIL = "email", "Email to the duty manager"
    VOICE = "voice", "Voice call to the duty manager"


class Urgency(models.TextChoices):
    """Which of a person's notification rules run (messaging.models.RuleUrgency adds "any")."""

    HIGH = "high", "High"
    LOW = "low", "Low"


class EscalationPolicy(models.Model):
    name = models.CharField(max_length=200, unique=True)
    urgency = models.CharField(max_length=4, choices=Urgency.choices, default=Urgency.HIGH,
                               help_text="Of its incidents, unless an alert's severity says high.")
    repeat = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(limits.REPEAT_MAX)],
        help_text="How many more times to run the whole chain before giving up (0 = once).")
    final_action = models.CharField(max_length=8, choices=FinalAction.choices, default=FinalAction.NONE,
                                    help_text="What happens when everyone stayed silent or declined.")
    final_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", help_text="The duty manager the final action reaches.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "escalation policies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(limits.POSITION_MAX)],
                                                help_text="Levels are paged in this order.")
    contacts = models.ManyToManyField(Contact, related_name="escalation_levels", blank=True,
                                      help_text="Notified together; any one of them can accept.")
    schedule = models.ForeignKey("oncall.Schedule", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="escalation_levels",
                                 help_text="Also page whoever is on call on this schedule when the level starts.")
    wait_seconds = models.PositiveIntegerField(default=60, validators=[MinValueValidator(limits.WAIT_SECONDS_MIN),
                                                                       MaxValueValidator(limits.WAIT_SECONDS_MAX)])
    reminders = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(limits.REMINDERS_MAX)])
    voice = models.BooleanField("also call", default=False,
                                help_text="Also place a voice call that reads the incident aloud.")
    ack_all = models.BooleanField("everyone acknowledges", default=False,
                                  help_text="The incident is acknowledged only once every person on this level "
                                            "has; the others keep being paged until then.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.policy} level {self.position}"


class IncidentStatus(models.TextChoices):
    NOT_ACKNOWLEDGED = "not_acknowledged", "Not acknowledged"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    UNACKNOWLEDGED = "unacknowledged", "Unacknowledged (nobody accepted)"
    RESOLVED = "resolved", "Resolved"


# A YES still counts in these; a closed incident only answers politely.
OPEN_STATUSES = (IncidentStatus.NOT_ACKNOWLEDGED, IncidentStatus.UNACKNOWLEDGED)


class Incident(models.Model):
    description = models.TextField()
    url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices,
                              default=IncidentStatus.NOT_ACKNOWLEDGED, db_index=True)
    policy = models.ForeignKey(EscalationPolicy, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="incidents")
    urgency = models.CharField(max_length=4, choices=Urgency.choices, default=Urgency.HIGH)
    snapshot = models.JSONField(default=dict, blank=True,
                                help_text="The escalation chain as it was when the incident opened.")
    # Bumped on every transition; a timer carries the step it was scheduled for, so a stale or
    # duplicate firing finds a different number and does nothing.
    step = models.PositiveIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=1, help_text="The level being paged (1-based).")
    round = models.PositiveSmallIntegerField(default=1, help_text="Which pass through the chain.")
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    # Whoever the level's schedule said was on call when the level started: reminders and replies
    # go to them, and a handoff mid-level changes nothing until the next level or round.
    level_oncall = models.JSONField(default=list, blank=True)
    next_step_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="acknowledged_incidents")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.reference} {self.description[:60]}"

    @property
    def reference(self) -> int:
        """The short number people type in SMS replies ("YES 42")."""
        return self.pk

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    NOTIFIED = "notified", "Notified"
    REMINDED = "reminded", "Reminded"
    ESCALATED = "escalated", "Escalated"
    DECLINED = "declined", "Declined"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    UNACKNOWLEDGED = "unacknowledged", "Unacknowledged"
    RESOLVED = "resolved", "Resolved"
    SKIPPED = "skipped", "Skipped (opted out)"
    STOOD_DOWN = "stood_down", "Stood down"
    FINAL_ACTION = "final_action", "Final action"
    NOBODY_ON_CALL = "nobody_on_call", "Nobody on call"
    ALERT_OPENED = "alert_opened", "Opened by an alert"
    ALERT_REPEATED = "alert_repeated", "Alert repeated"
    ALERT_GROUPED = "alert_grouped", "Alert grouped (storm)"
    ALERT_RESOLVED = "alert_resolved", "Alert resolved"
    IN_MAINTENANCE = "in_maintenance", "In maintenance (nobody paged)"
    # Free text in answer to a page ("Running 10 min late"): kept on the timeline for the dispatcher.
    REPLIED = "replied", "Replied"
    # A page the page cap kept back (incidents/page_cap.py): counted here, named in the summary SMS.
    HELD = "held", "Held by the page cap"


class IncidentEvent(models.Model):
    """One line of an incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    round = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.ForeignKey(OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="The message this event sent.")
    inbound = models.ForeignKey(InboundSms, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="The reply that caused this event.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "kind"], name="incident_event_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.incident_id}"


# ---------------------------------------------------------------------------------------------
# Alerts in (incidents/alerts/): monitoring opens, deduplicates and resolves incidents by itself.


class AlertSource(models.TextChoices):
    GENERIC = "generic", "Generic (POST alerts/)"
    ALERTMANAGER = "alertmanager", "Alertmanager / Grafana"


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class AlertState(models.TextChoices):
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed (retried)"
    SUPERSEDED = "superseded", "Superseded (a later alert with its key was processed first)"


class AlertGroup(models.Model):
    """The problem an alert key names, while an incident works on it.

    One open group per (policy, dedup key): the partial unique constraint is what makes two
    alerts arriving at the same instant open one incident, whatever the timing. A group closes
    when its incident is resolved (by the source, by SMS or in the admin), so a later firing
    opens a new one. The key is kept whole (a Kubernetes route's groupKey runs to hundreds of
    characters, and any length Alertmanager sends is accepted); the index holds its SHA-256.
    """

    # Usually one group per incident; an alert storm gathers many groups into one incident.
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alert_groups")
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="alert_groups")
    dedup_key = models.TextField()
    key_hash = models.CharField(max_length=64, help_text="SHA-256 of the dedup key (incidents/alerts/keys.py).")
    is_open = models.BooleanField(default=True)
    absorbed = models.PositiveIntegerField(default=0, help_text="Alerts absorbed after the one that opened it.")
    firing = models.PositiveIntegerField(default=1, help_text="Alerts firing in the latest body.")
    last_alert_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    storm = models.BooleanField(default=False, help_text="Grouped into its policy's alert-storm incident.")
    maintenance = models.ForeignKey("MaintenanceWindow", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="alert_groups",
                                    help_text="Opened during this window: pages when it ends, if still firing.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "key_hash"], condition=models.Q(is_open=True),
                                               name="alert_group_one_open_per_key_hash")]

    def __str__(self) -> str:
        return f"{self.dedup_key[:60]} (#{self.incident_id})"


class Alert(models.Model):
    """One alert body exactly as it arrived, stored before anything acts on it.

    ``state`` is ``processed`` once acted on; an alert whose acting failed is stored ``failed``
    with the error, and the sweep (incidents.alerts.retry) acts on it again.
    """

    source = models.CharField(max_length=16, choices=AlertSource.choices)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    body = models.JSONField()
    policy = models.ForeignKey(EscalationPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dedup_key = models.TextField(blank=True)
    key_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the dedup key; blank without one.")
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.FIRING)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    outcome = models.CharField(max_length=300, blank=True, help_text="What the portal did with it.")
    state = models.CharField(max_length=10, choices=AlertState.choices, default=AlertState.PROCESSED)
    error = models.TextField(blank=True, help_text="Why acting on it failed, the last time it did.")
    attempts = models.PositiveSmallIntegerField(default=1, help_text="How many times the portal acted on it.")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The sweep's rows only: nearly every alert is stored processed and never enters it.
            models.Index(fields=["received_at"], condition=models.Q(state="failed"), name="alert_failed_idx"),
            # A retried alert is superseded when a later one with its key was processed.
            models.Index(fields=["policy", "key_hash"], condition=~models.Q(key_hash=""), name="alert_key_hash_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.status} {self.dedup_key[:40]}"


class AlertIntegration(models.Model):
    """One monitor's URL (``?integration=ID``): its routes pick the policy by the alert's labels."""

    name = models.CharField(max_length=200, unique=True)
    default_policy = models.ForeignKey(EscalationPolicy, on_delete=models.PROTECT, related_name="+",
                                       help_text="Pages when no route matches.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AlertRoute(models.Model):
    """Label matchers (Alertmanager's syntax) and the policy an alert matching all of them pages."""

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="routes")
    position = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(limits.POSITION_MAX)],
                                                help_text="Routes are tried in this order.")
    matchers = models.CharField(max_length=500, help_text='Comma-separated, all must match: severity=critical, '
                                                          'team=~east|west, env!=test, service!~db.*')
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.matchers} → {self.policy}"


class MaintenanceWindow(models.Model):
    """A planned quiet time for one policy: alerts are kept and counted, nobody is paged until the end."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="maintenance_windows")
    start = models.DateTimeField(validators=[instant_validate])
    end = models.DateTimeField(validators=[instant_validate])
    reason = models.CharField(max_length=300)
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="maintenance_window_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.policy}: {self.reason[:60]}"


class DailyIncidentCount(models.Model):
    """Incidents opened on one day: how many, how many escalated, how many nobody answered.

    The report's weekly trends read these (incidents/rollups.py); a row is also the mark that
    the day is rolled up, and DailyAckTime holds the same day's times to acknowledge.
    """

    day = models.DateField(unique=True)
    opened = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    nobody_answered = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "daily incident count"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.opened} opened"


class DailyAckTime(models.Model):
    """Incidents opened on one day and acknowledged, by how long that took (the bucket's lower
    bound in tenths of a second, two significant figures, as messaging's DailyDeliveryTime)."""

    day = models.DateField()
    tenths = models.PositiveBigIntegerField()
    incidents = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "daily time to acknowledge"
        ordering = ["-day", "tenths"]
        constraints = [models.UniqueConstraint(fields=["day", "tenths"], name="daily_ack_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.tenths / 10} s: {self.incidents}"


class PageCapNumber(models.Model):
    """One phone number under the page cap (incidents/page_cap.py): every page to it locks this row.

    The window is kept on the row (the times of the pages sent in the last 15 minutes, at most
    the cap's worth) so that a page costs one locked read and one write, whatever the history.
    """

    phone = models.CharField(max_length=16, unique=True)
    sent = models.JSONField(default=list, blank=True, help_text="When pages were sent in the last 15 minutes.")
    held = models.JSONField(default=list, blank=True, help_text="Incidents whose pages wait for the summary.")
    summary_due_at = models.DateTimeField(null=True, blank=True, help_text="A summary SMS is waiting for then.")
    summary_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "page cap number"

    def __str__(self) -> str:
        return self.phone


# Heartbeats keep their model in their own package (incidents/heartbeats/); importing it here is
# what makes it a model of this app, with its migrations here.
from incidents.heartbeats.models import Heartbeat, HeartbeatState  # noqa: E402,F401
