"""Pending step timers name incidents.tasks (the stable name) instead of incidents.services.

Both paths resolve, so a row this migration does not reach (fired, cancelled, or written by an
older process during a rolling deploy) still works; the reverse puts the old path back.
"""

from django.db import migrations

OLD = "incidents.services.incident_step_fire"
NEW = "incidents.tasks.incident_step_fire"


def _rewrite(apps, *, source: str, target: str) -> None:
    Timer = apps.get_model("messaging", "Timer")
    Timer.objects.filter(callback=source, state="pending").update(callback=target)


def forwards(apps, schema_editor):
    _rewrite(apps, source=OLD, target=NEW)


def backwards(apps, schema_editor):
    _rewrite(apps, source=NEW, target=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_escalation_policies_incidents_timeline"),
        ("messaging", "0002_timer_sweep_schedule"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
