from django.db import migrations

SWEEP = "messaging.timers.timers_sweep"


def add_sweep(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Every minute: fires any timer whose queued task was lost; precise firing does not
    # depend on it (docs/architecture.md).
    Schedule.objects.get_or_create(
        func=SWEEP, defaults={"name": "Timer sweep", "schedule_type": "I", "minutes": 1, "repeats": -1}
    )


def remove_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_sweep, remove_sweep)]
