from django.db import migrations, models

SWEEP = "messaging.services.messages_requeue_stale"


def add_sweep(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Every minute: queues again a message whose worker died holding it and whose task was lost;
    # a redelivered task normally does this first (messaging.services).
    Schedule.objects.get_or_create(
        func=SWEEP, defaults={"name": "Stale send claims", "schedule_type": "I", "minutes": 1, "repeats": -1}
    )


def remove_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_api_key_scopes_idempotency_per_key"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [
        migrations.AddIndex(
            model_name="outboundmessage",
            index=models.Index(condition=models.Q(("claimed_at__isnull", False)), fields=["claimed_at"],
                               name="msg_claimed_idx"),
        ),
        migrations.RunPython(add_sweep, remove_sweep),
    ]
