from django.db import migrations

SWEEP = "messaging.tasks.bulk_sends_sweep"


def add_sweep(apps, schema_editor):
    # Every minute: a bulk send whose due recipients lost their timer is placed again
    # (messaging.audience.bulk_sends.bulk_sends_sweep).
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        func=SWEEP, defaults={"name": "Bulk sends held past their time", "schedule_type": "I", "minutes": 1,
                              "repeats": -1})


def remove_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0020_bulk_send_recipients_quiet_hours_contact_time_zone"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_sweep, remove_sweep)]
