"""The omnichannel fallback timer moves to its stable name in messaging.tasks.

Pending timers are rewritten; the old path keeps resolving through the shim at
messaging/dispatch.py, for rows already on django-q2's queue.
"""

from django.db import migrations

OLD, NEW = "messaging.dispatch.dispatch_fallback_due", "messaging.tasks.dispatch_fallback_due"


def _rename(apps, old, new):
    # Fired and cancelled timers are history: they keep the path they ran under.
    apps.get_model("messaging", "Timer").objects.filter(callback=old, state="pending").update(callback=new)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0008_stable_task_paths")]
    operations = [migrations.RunPython(lambda apps, se: _rename(apps, OLD, NEW),
                                       lambda apps, se: _rename(apps, NEW, OLD))]
