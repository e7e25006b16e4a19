"""Alert keys stored whole (text) and indexed by their SHA-256; alerts that failed are kept to retry.

The one-open-group-per-key constraint moves from the key (varchar 500, which refused a real
552-character Kubernetes groupKey) to its hash, filled here for the rows stored before.
"""

import hashlib

from django.db import migrations, models

BATCH = 1000


def _hash(key: str) -> str:
    # The same digest as incidents.alerts.keys.dedup_key_hash, written out: a migration must not
    # change when the app's code does.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest() if key else ""


def fill_hashes(apps, schema_editor):
    for name in ("Alert", "AlertGroup"):
        model = apps.get_model("incidents", name)
        batch = []
        for row in model.objects.exclude(dedup_key="").only("pk", "dedup_key").iterator(chunk_size=BATCH):
            row.key_hash = _hash(row.dedup_key)
            batch.append(row)
            if len(batch) == BATCH:
                model.objects.bulk_update(batch, ["key_hash"])
                batch = []
        model.objects.bulk_update(batch, ["key_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0006_daily_incident_rollups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="dedup_key",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="alertgroup",
            name="dedup_key",
            field=models.TextField(),
        ),
        migrations.AddField(
            model_name="alert",
            name="key_hash",
            field=models.CharField(blank=True, default="", help_text="SHA-256 of the dedup key; blank without one.",
                                   max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="alertgroup",
            name="key_hash",
            field=models.CharField(default="", help_text="SHA-256 of the dedup key (incidents/alerts/keys.py).",
                                   max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="alert",
            name="state",
            field=models.CharField(choices=[("processed", "Processed"), ("failed", "Failed (retried)"),
                                            ("superseded", "Superseded (a later alert with its key was processed "
                                                           "first)")],
                                   default="processed", max_length=10),
        ),
        migrations.AddField(
            model_name="alert",
            name="error",
            field=models.TextField(blank=True, help_text="Why acting on it failed, the last time it did."),
        ),
        migrations.AddField(
            model_name="alert",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=1, help_text="How many times the portal acted on it."),
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="alertgroup",
            name="alert_group_one_open_per_key",
        ),
        migrations.AddConstraint(
            model_name="alertgroup",
            constraint=models.UniqueConstraint(condition=models.Q(("is_open", True)), fields=("policy", "key_hash"),
                                               name="alert_group_one_open_per_key_hash"),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(condition=models.Q(("state", "failed")), fields=["received_at"],
                               name="alert_failed_idx"),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(condition=models.Q(("key_hash", ""), _negated=True), fields=["policy", "key_hash"],
                               name="alert_key_hash_idx"),
        ),
    ]
