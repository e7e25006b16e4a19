"""The instant range on the times people type, and a repair of rows stored before it.

An override typed as the last minute of 9999 west of UTC was stored as year 10000: PostgreSQL
keeps it, psycopg cannot read it back, and the schedule's page failed for good. Such rows are
repaired in the database without reading them into Python: an override that starts outside the
range moves to its last second (it can never be on call inside the range anyway, and a shift
may point at it); one that ends outside it ends at the end of the range. A handoff outside the
range moves to its edge. The range is written here, not imported, so this migration keeps
meaning what it meant (messaging/values/instants.py owns it now).
"""

from datetime import UTC, datetime, timedelta

import django.core.validators
import messaging.values.instants
from django.db import migrations, models


_MIN = datetime(1970, 1, 1, tzinfo=UTC)
_END = datetime(3000, 1, 1, tzinfo=UTC)
_LAST = _END - timedelta(microseconds=1)


def repair_out_of_range_rows(apps, schema_editor):
    # Updates only: a delete would read the rows into Python first (for cascades), which is the
    # very thing psycopg cannot do.
    Override = apps.get_model("oncall", "ScheduleOverride")
    Schedule = apps.get_model("oncall", "Schedule")
    Override.objects.filter(start__gte=_END).update(start=_LAST - timedelta(seconds=1), end=_LAST)
    Override.objects.filter(end__gte=_END).update(end=_LAST)
    Override.objects.filter(end__lte=_MIN).update(start=_MIN, end=_MIN + timedelta(seconds=1))
    Override.objects.filter(start__lt=_MIN).update(start=_MIN)
    Schedule.objects.filter(handoff__gte=_END).update(handoff=_LAST)
    Schedule.objects.filter(handoff__lt=_MIN).update(handoff=_MIN)


class Migration(migrations.Migration):

    dependencies = [
        ('oncall', '0002_turn_notice_schedule'),
    ]

    operations = [
        migrations.AlterField(
            model_name='schedule',
            name='handoff',
            field=models.DateTimeField(help_text="When the first turn starts. Each later turn starts turn hours after the one before, on the schedule's local clock.", validators=[messaging.values.instants.instant_validate]),
        ),
        migrations.AlterField(
            model_name='schedulemember',
            name='position',
            field=models.PositiveSmallIntegerField(default=1, help_text='Turns go round in this order.', validators=[django.core.validators.MaxValueValidator(1000)]),
        ),
        migrations.AlterField(
            model_name='scheduleoverride',
            name='end',
            field=models.DateTimeField(validators=[messaging.values.instants.instant_validate]),
        ),
        migrations.AlterField(
            model_name='scheduleoverride',
            name='start',
            field=models.DateTimeField(validators=[messaging.values.instants.instant_validate]),
        ),
        migrations.RunPython(repair_out_of_range_rows, migrations.RunPython.noop),
    ]
