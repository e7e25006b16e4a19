"""One self-test run: the SMS sent, and when (if) it came back. Re-exported by messaging.models."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SelfTestState(models.TextChoices):
    WAITING = "waiting", "Waiting for the echo"
    OK = "ok", "Came back in time"
    FAILED = "failed", "Did not come back in time"


class SelfTestRun(models.Model):
    # The start of the SELF_TEST_MINUTES period this run is for. Unique: every cluster's scheduler
    # may run the tick, and only the first insert for a period sends.
    slot = models.DateTimeField(unique=True)
    nonce = models.CharField(max_length=32, unique=True)
    number = models.CharField(max_length=32, help_text="SELF_TEST_NUMBER when it was sent.")
    sent_at = models.DateTimeField(default=timezone.now)
    message = models.ForeignKey("messaging.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    state = models.CharField(max_length=8, choices=SelfTestState.choices, default=SelfTestState.WAITING)
    answered_at = models.DateTimeField(null=True, blank=True, help_text="When the echo came back, even late.")
    round_trip_seconds = models.FloatField(null=True, blank=True)
    alerted = models.CharField(max_length=300, blank=True, help_text="Who was told of the failure.")

    class Meta:
        ordering = ["-slot"]
        indexes = [models.Index(fields=["state", "-answered_at"], name="selftest_state_answered_idx")]

    def __str__(self) -> str:
        return f"self-test {self.slot:%Y-%m-%d %H:%M} [{self.state}]"
