"""An index on django-q2's queue table, for the statement every idle pusher polls with.

Each pusher claims due work ten times a second with ``WHERE key = … AND lock < now ORDER BY
lock`` (messaging.queue.PortalOrmBroker). django-q2 ships no index on ``lock``, so with 100,000
timers queued for later that poll was a 17 ms sequential scan, and at a million it would keep a
core busy per cluster doing nothing (docs/benchmarks.md, "A million pending timers"). With
(key, lock) the poll reads only the rows that are due. It lives here, not in django_q's own
migrations, because the table is theirs and the access pattern is ours.
"""

from django.db import migrations

INDEX = "portal_ormq_key_lock_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_roles"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON django_q_ormq (key, lock)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
