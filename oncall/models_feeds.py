"""What on-call people take away with them: calendar feeds, and the weekly "your next turns" text.

Schema only; oncall/calendar.py builds and serves the feeds, oncall/summaries.py sends the
summaries. Re-exported by oncall/models.py, so every model is ``oncall.models.X``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from messaging.models import Contact


class CalendarFeed(models.Model):
    """A secret feed URL: the schedule's turns, or only ``contact``'s. Only the token's SHA-256 is
    kept (like API keys): the link is shown once when made; deleting the row revokes it."""

    schedule = models.ForeignKey("oncall.Schedule", on_delete=models.CASCADE, related_name="calendar_feeds")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                help_text="Only this person's turns; empty: everyone's on the schedule.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="The token's first characters, to tell "
                                                                       "links apart.")
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["schedule", "-created_at"]
        verbose_name = "calendar feed"

    def __str__(self) -> str:
        return f"{self.schedule}: {self.contact or 'everyone'} ({self.prefix}…)"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class SummaryChannel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class SummaryPreference(models.Model):
    """When a person wants "Your next turns: …": a weekday and a local time, once a week."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="oncall_summary")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, validators=[MaxValueValidator(6)])
    local_time = models.TimeField(help_text="On the clock of the zone below.")
    time_zone = models.CharField(max_length=64, blank=True,
                                 help_text="IANA zone of the time above; empty: the zone of their first schedule.")
    channel = models.CharField(max_length=8, choices=SummaryChannel.choices, default=SummaryChannel.SMS,
                               help_text="Email goes to the contact's email address.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "weekly on-call summary"

    def __str__(self) -> str:
        return f"{self.contact}: {self.get_weekday_display()} {self.local_time:%H:%M}"


class WeeklySummary(models.Model):
    """One summary sent: unique per (person, week), so a second worker or a second run sends nothing."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The local date it was due on.")
    message = models.ForeignKey("messaging.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "weekly summaries sent"
        constraints = [models.UniqueConstraint(fields=["contact", "week"], name="oncall_summary_once_a_week")]

    def __str__(self) -> str:
        return f"{self.contact}: week of {self.week}"
