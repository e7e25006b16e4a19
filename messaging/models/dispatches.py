"""Omnichannel dispatches (POST /api/v1/messages/) and their attempts."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from messaging.models.keys import ApiKey
from messaging.models.messages import OutboundMessage
from messaging.models.timers import Timer
from messaging.values import limits


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
