from django.db import migrations

EXPIRE = "shifts.services.shifts_expire"


def add_expire(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Every minute: bookings and lists already ignore a shift once it has started; this makes
    # its status say so (expired) for the admin, the API and the manager.
    Schedule.objects.get_or_create(
        func=EXPIRE, defaults={"name": "Expire open shifts that have started", "schedule_type": "I", "minutes": 1,
                               "repeats": -1}
    )


def remove_expire(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=EXPIRE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shifts", "0001_shifts_and_campaigns"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_expire, remove_expire)]
