"""Topics ("overtime offers", "newsletter") and each person's preferences per topic and channel."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    # A required topic (incident pages, on-call texts) reaches everyone who has not opted out by
    # law (STOP, suppression); a person's preferences cannot turn it off.
    required = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactPreference(models.Model):
    """Yes or no for one person: a topic on a channel, a topic on any channel (blank channel), or
    a channel for every topic (no topic), the most specific one winning (topics/preferences.py)."""

    contact = models.ForeignKey("messaging.Contact", on_delete=models.CASCADE, related_name="preferences")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="preferences")
    channel = models.CharField(max_length=16, blank=True)
    allowed = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "topic", "channel"], condition=Q(topic__isnull=False),
                                    name="preference_contact_topic_channel"),
            models.UniqueConstraint(fields=["contact", "channel"], condition=Q(topic__isnull=True),
                                    name="preference_contact_default_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.topic or 'any topic'} / {self.channel or 'any channel'} = {self.allowed}"
