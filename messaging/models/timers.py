"""Durable one-shot timers: reminders, escalations, fallbacks (see docs/architecture.md)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from messaging.models.owned import OwnedQuerySet


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
