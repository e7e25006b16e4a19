from django.db import migrations

NOTICES = "oncall.tasks.turn_notices_send"


def add_notices(apps, schema_editor):
    # Every minute: a notice is due notice_minutes before a turn, so a minute is as late as it gets.
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        func=NOTICES, defaults={"name": "Text people before their on-call turn", "schedule_type": "I",
                                "minutes": 1, "repeats": -1})


def remove_notices(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=NOTICES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("oncall", "0001_schedules_rotations_overrides"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_notices, remove_notices)]
