"""The rollups' models beyond the daily counts: how long delivery took, as histogram buckets, and
the days whose counts are final because the archive has started on them.

Kept out of ``messaging.models`` (which imports this module at its end, so they register with
the messaging app), like the audience's models.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class DailyDeliveryTime(models.Model):
    """Messages created on one day and delivered, per channel, by how long delivery took.

    ``tenths`` is the bucket's lower bound in tenths of a second, to two significant figures
    (0.1 s steps below 10 s, 1 s steps below 100 s, 10 s below 1,000 s, …), so a day is a few
    dozen rows per channel and a percentile read from them is within one bucket of exact. A
    row with an empty channel marks a day done, as in DailyMessageCount.
    """

    day = models.DateField()
    channel = models.CharField(max_length=16, blank=True)
    tenths = models.PositiveBigIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "daily delivery time"
        ordering = ["-day", "channel", "tenths"]
        constraints = [models.UniqueConstraint(fields=["day", "channel", "tenths"], name="daily_delivery_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.tenths / 10} s: {self.messages}"


class ArchivedDay(models.Model):
    """A day whose message log the archive has started to delete: its message rollups are final.

    The archive rebuilds a day's rollups once, while every row of it is still there, and marks
    the day here in the same transaction. From then on the rollup refresh leaves that day's
    message counts alone, so neither a half-archived day (a run stopped between batches) nor
    an emptied one (a retention shorter than the settling days) is counted again from what is
    left. ``restored_at`` is set by ``restore_archive``: the retention schedule does not delete
    a day someone brought back on purpose (``archive_messages`` still does).
    """

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "archived day"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} archived"
