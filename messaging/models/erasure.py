"""The record of an erasure: who asked, when, and how many rows went. It names no phone or address."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ErasureReceipt(models.Model):
    erased_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The contact's id, which no longer leads anywhere, and no name, phone or address.
    contact_ref = models.CharField(max_length=40)
    requested_by = models.CharField(max_length=200, help_text="The admin user or API key that asked for it.")
    counts = models.JSONField(default=dict, help_text="Rows removed or rewritten, by kind.")
    archive_files = models.PositiveIntegerField(default=0, help_text="Archive files rewritten.")
    seconds = models.FloatField(default=0, help_text="The whole erasure.")
    archive_seconds = models.FloatField(default=0, help_text="Of which the archive files.")

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"{self.contact_ref} erased {self.erased_at:%Y-%m-%d %H:%M}"
