"""Stored dotted paths of messaging move to their stable names in messaging.tasks.

Schedules and pending timers are rewritten; rows already on django-q2's queue keep their old
paths, which resolve through the shims at the old module paths.
"""

from django.db import migrations

RENAMES = {
    "messaging.timers.timers_sweep": "messaging.tasks.timers_sweep",
    "messaging.timers.timer_fire": "messaging.tasks.timer_fire",
    "messaging.notifications.notifications_resume": "messaging.tasks.notifications_resume",
    "messaging.services.messages_requeue_stale": "messaging.tasks.messages_requeue_stale",
    "messaging.services.message_deliver": "messaging.tasks.message_deliver",
    "messaging.services.messages_deliver_batch": "messaging.tasks.messages_deliver_batch",
    "messaging.sms_retry.sms_retry_send": "messaging.tasks.sms_retry_send",
    "messaging.simulator.simulator_emit_event": "messaging.tasks.simulator_emit_event",
}


def _rename(apps, mapping):
    Schedule = apps.get_model("django_q", "Schedule")
    Timer = apps.get_model("messaging", "Timer")
    for old, new in mapping.items():
        Schedule.objects.filter(func=old).update(func=new)
        # Fired and cancelled timers are history: they keep the path they ran under.
        Timer.objects.filter(callback=old, state="pending").update(callback=new)


def forwards(apps, schema_editor):
    _rename(apps, RENAMES)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_claims_sweep"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
