"""Consent: SMS opt-outs and the email suppression list."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


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
