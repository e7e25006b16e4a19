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
