"""The heartbeat row. Imported by incidents.models, so its models belong to the incidents app.

Related models are named by string so that this module imports nothing of incidents.models
(which imports it), keeping the import graph acyclic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

HEARTBEAT_TIMEOUT_MIN = 10
# Thirty days: a monthly job's heartbeat, with some slack; longer is a typo.
HEARTBEAT_TIMEOUT_MAX = 31 * 24 * 3600


class HeartbeatState(models.TextChoices):
    NEW = "new", "New (waits for its first ping)"
    UP = "up", "Up"
    LATE = "late", "Late (missed; its incident is open)"
    PAUSED = "paused", "Paused"


class Heartbeat(models.Model):
    """A job that must ping within ``timeout_seconds`` of its last ping while it is up.

    The deadline is not a column: it is ``last_ping_at + timeout``, so a ping writes one column of
    one row. The deadline timer (incidents.heartbeats.services) reads it when it fires and, if a ping
    moved it, schedules itself again for the new deadline instead of acting.
    """

    name = models.CharField(max_length=200)
    policy = models.ForeignKey("incidents.EscalationPolicy", on_delete=models.PROTECT, related_name="heartbeats",
                               help_text="Paged when a ping is missed.")
    timeout_seconds = models.PositiveIntegerField(
        validators=[MinValueValidator(HEARTBEAT_TIMEOUT_MIN), MaxValueValidator(HEARTBEAT_TIMEOUT_MAX)],
        help_text="A ping must come this many seconds after the last one.")
    token = models.CharField(max_length=64, unique=True, editable=False,
                             help_text="The ping URL's secret: its only credential.")
    state = models.CharField(max_length=8, choices=HeartbeatState.choices, default=HeartbeatState.NEW)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    # Bumped each time the heartbeat is armed or paused: a deadline timer of an older arming
    # sees a different number and stops, so one heartbeat never has two timer chains.
    generation = models.PositiveIntegerField(default=0, editable=False)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", help_text="The incident its last missed ping opened.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def deadline(self) -> datetime | None:
        if self.state != HeartbeatState.UP or self.last_ping_at is None:
            return None
        return self.last_ping_at + timedelta(seconds=self.timeout_seconds)
