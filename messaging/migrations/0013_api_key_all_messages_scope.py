from django.db import migrations, models

# Frozen here: the scopes a key made "with every right" held before all_messages existed. Such a
# key read every message through `log`, and keeps doing so; a key with fewer scopes now reads
# only what it sent, which is the point of the change (one service's key read another's codes).
FULL_BEFORE = {"messages", "log", "contacts", "incidents", "shifts"}


def full_rights_keys_keep_reading_everything(apps, schema_editor):
    ApiKey = apps.get_model("messaging", "ApiKey")
    for key in ApiKey.objects.all().only("pk", "scopes"):
        if FULL_BEFORE <= set(key.scopes or []) and "all_messages" not in key.scopes:
            ApiKey.objects.filter(pk=key.pk).update(scopes=[*key.scopes, "all_messages"])


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0012_delivery_time_rollups_inbound_filter_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(blank=True, default=list, help_text=(
                "What the key may do: any of messages, log, contacts, incidents, shifts, all_messages.")),
        ),
        migrations.RunPython(full_rights_keys_keep_reading_everything, migrations.RunPython.noop),
    ]
