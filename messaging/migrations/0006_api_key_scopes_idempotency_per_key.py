from django.db import migrations, models

# Frozen here: the scopes that existed when keys got scopes. Every key made before then could do
# everything, and keeps that right.
ALL_SCOPES = ["messages", "log", "contacts", "incidents", "shifts"]


def existing_keys_keep_full_rights(apps, schema_editor):
    # senders stays null on these rows, which is "any sender".
    apps.get_model("messaging", "ApiKey").objects.update(scopes=ALL_SCOPES)


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0005_slimmer_event_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(blank=True, default=list, help_text=(
                "What the key may do: any of messages, log, contacts, incidents, shifts.")),
        ),
        migrations.AddField(
            model_name="apikey",
            name="senders",
            field=models.JSONField(blank=True, null=True, help_text=(
                "Empty (null): any sender. A list: the only `sender` values POST messages/ accepts from this key "
                "(phone numbers, origination identities, WhatsApp phone-number ids, email addresses, or @domain).")),
        ),
        migrations.AddField(
            model_name="dispatch",
            name="idempotency_fingerprint",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="dispatch",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddConstraint(
            model_name="dispatch",
            constraint=models.UniqueConstraint(fields=("api_key", "idempotency_key"),
                                               name="dispatch_idempotency_key_per_api_key"),
        ),
        # Last: on PostgreSQL, rows updated in this transaction would block a later ALTER TABLE.
        migrations.RunPython(existing_keys_keep_full_rights, migrations.RunPython.noop),
    ]
