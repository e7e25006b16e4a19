"""The portal's own rows: what ``import_from`` brought in, by the vendor's id.

A row per imported object (contact, schedule, override, policy, integration) keeps the source's
id beside the portal row's id, so a second run finds what the first made and changes nothing.
``kind`` names the portal model (portal/setup_as_code/importer.py KINDS); a plain id rather
than a foreign key because one table serves every kind, and a deleted row is simply made again.
"""

from django.db import models


class ImportedObject(models.Model):
    source = models.CharField(max_length=16, help_text="oncall, opsgenie or pagerduty")
    kind = models.CharField(max_length=16)
    source_id = models.CharField(max_length=300, help_text="The vendor's id (an override's: schedule, times, person).")
    object_id = models.PositiveBigIntegerField()
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "kind", "source_id"], name="imported_object_once")]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} → {self.object_id}"


class MonthlyReport(models.Model):
    """The monthly delivery report of one month, mailed to REPORT_EMAILS.

    One row per month (unique): the run that inserts it is the one that sends, and the row and
    the logged emails commit together, so two clusters on the 1st send once, and a run that dies
    before its commit leaves nothing behind for the next run to trip on.
    """

    month = models.DateField(unique=True, help_text="The month's first day.")
    recipients = models.TextField(blank=True, help_text="The addresses it went to, comma-separated.")
    sent_by = models.CharField(max_length=150, help_text="'schedule', or who pressed Send now.")
    sends = models.PositiveIntegerField(default=1, help_text="Send now sends a month again on purpose.")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]
        permissions = [("send_monthlyreport", "Can send the monthly report now")]

    def __str__(self) -> str:
        return self.month.strftime("%B %Y")
