from django.db import migrations

RESUME = "messaging.notifications.notifications_resume"


def add_resume(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Every minute: inbound SMS are stored before they are routed; if the process died in
    # between, this finishes the job, so nothing that came in is left unacted on.
    Schedule.objects.get_or_create(
        func=RESUME, defaults={"name": "Resume unfinished SNS notifications", "schedule_type": "I", "minutes": 1,
                               "repeats": -1}
    )


def remove_resume(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=RESUME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_dispatch"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_resume, remove_resume)]
