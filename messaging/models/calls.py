"""Calls that take a key: what became of each one, and every Amazon Connect event, stored raw.

A voice page placed through Amazon Connect (or rung by the simulator) may be answered with a key.
``VoiceCall`` is the call's one outcome row, made when the first news of it arrives (a key, an
event, the poll after the ring timeout, a hang-up in the simulator); its unique message is what
makes a key act once however many events report it. ``ConnectEvent`` keeps each EventBridge
delivery as it came, before anything acts on it, as ``SnsNotification`` does for SNS.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from messaging.models.inbound import InboundSms, NotificationStatus
from messaging.models.messages import OutboundMessage


class CallState(models.TextChoices):
    RINGING = "ringing", "Ringing"
    ENDED = "ended", "Ended"


class CallAction(models.TextChoices):
    # The contact flow's page_action values; each acts as the SMS reply beside it would.
    ACK = "ack", "Acknowledge (4, as YES)"
    DECLINE = "decline", "Decline (5, as NO)"
    RESOLVE = "resolve", "Resolve (6, as RESOLVE)"
    # A bulk send's confirmation call (messaging/calls/flows/confirm_call.json): its first and
    # second expected answers.
    CONFIRM = "confirm", "Confirm (1, the first answer)"
    CANCEL = "cancel", "Cancel (2, the second answer)"


class VoiceCall(models.Model):
    # The call's provider id (Connect's ContactId, or the simulator's): unique, so that a key acts
    # once however many events report it, and the row still says which call once the message is archived.
    provider_message_id = models.CharField(max_length=200)
    message = models.OneToOneField(OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="call")
    state = models.CharField(max_length=8, choices=CallState.choices, default=CallState.RINGING)
    digits = models.CharField("keys pressed", max_length=64, blank=True)
    action = models.CharField(max_length=8, choices=CallAction.choices, blank=True)
    # The reply the key became (channel voice), routed like an SMS reply.
    inbound = models.ForeignKey(InboundSms, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "voice call"
        constraints = [models.UniqueConstraint(fields=["provider_message_id"], name="voice_call_provider_id_unique")]

    def __str__(self) -> str:
        return f"call {self.provider_message_id} ({self.state})"


class ConnectEvent(models.Model):
    """One Amazon Connect contact event from EventBridge, stored before it is acted on."""

    event_id = models.CharField("EventBridge id", max_length=100)
    event_type = models.CharField(max_length=40, blank=True)
    contact_id = models.CharField(max_length=100, blank=True)
    raw = models.JSONField()
    status = models.CharField(max_length=12, choices=NotificationStatus.choices,
                              default=NotificationStatus.RECEIVED)
    outcome = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Amazon Connect event"
        ordering = ["-received_at"]
        constraints = [
            # EventBridge keeps an event's id across its retries: a redelivery stores nothing new.
            models.UniqueConstraint(fields=["event_id"], name="connect_event_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type or 'event'} {self.contact_id} ({self.event_id})"
