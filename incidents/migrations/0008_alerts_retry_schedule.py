from django.db import migrations

RETRY = "incidents.tasks.alerts_retry_failed"


def add_retry(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Every minute: an alert that was stored but failed while being acted on is acted on again
    # (incidents.alerts.retry), since its sender was told it was accepted and will not resend it.
    Schedule.objects.get_or_create(
        func=RETRY, defaults={"name": "Retry alerts that failed", "schedule_type": "I", "minutes": 1, "repeats": -1}
    )


def remove_retry(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=RETRY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_alert_keys_whole_and_failed_state"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_retry, remove_retry)]
