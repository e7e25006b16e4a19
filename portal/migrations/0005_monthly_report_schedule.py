from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

REPORT = "portal.tasks.monthly_report_due"


def first_of_next_month(now):
    """06:00 on the next 1st, in TIME_ZONE: the month has closed and its late delivery events are in."""
    day = (timezone.localdate(now).replace(day=28) + timedelta(days=4)).replace(day=1)
    return timezone.make_aware(datetime.combine(day, time(6, 0)))


def add_schedule(apps, schema_editor):
    # Monthly (django-q2 adds a month to next_run each time). A cluster that is down on the 1st
    # runs it when it comes back, since the schedule is overdue; MonthlyReport's unique month
    # keeps two clusters from both sending.
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        func=REPORT, defaults={"name": "Monthly delivery report to REPORT_EMAILS", "schedule_type": "M",
                               "repeats": -1, "next_run": first_of_next_month(timezone.now())})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=REPORT).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_monthly_report"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
