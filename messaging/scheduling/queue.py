"""The one way the portal hands work to django-q2, with an optional due time.

django-q2's ORM broker hands a queued row to a worker only once its ``lock`` time has passed
(``dequeue`` filters ``lock < now``). Writing the row with ``lock`` set to a due time therefore
makes the task run within about one poll interval of that time — no 30-second scheduler scan,
no scheduler of our own. See docs/architecture.md.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.humanhash import uuid
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from django_q.tasks import async_task

log = logging.getLogger(__name__)


class PortalOrmBroker(ORM):
    """django-q2's ORM broker, taking due tasks oldest-due first and in one statement.

    The stock ``dequeue`` reads ``bulk`` rows in no particular order and then claims them one
    UPDATE at a time, after a connection health check on every poll: about three round trips
    per task in the single pusher process of each cluster, which capped a cluster below the
    rate 10,000 timers a minute need (docs/benchmarks.md). On PostgreSQL this claims up to
    ``bulk`` rows with one ``UPDATE ... RETURNING`` over ``FOR UPDATE SKIP LOCKED``: two
    clusters never take the same row, and under a backlog the most overdue timer goes first.
    Other databases keep the stock behaviour. Set as ``Q_CLUSTER["broker_class"]``.
    """

    _health_checked = 0.0

    def dequeue(self):
        try:
            return self._dequeue()
        except DatabaseError as exc:
            log.warning("queue poll failed, polling again in 1 s: %s", exc)
            # django-q2's pusher answers a failed poll by sleeping 10 s and exiting, to be
            # respawned by the sentinel: after a database restart the worker then stood idle
            # for ~10 s (tests/portal/test_database_faults.py). Dropping the broken connection and
            # polling again a second later brings it back about a second after the database.
            connections[Conf.ORM].close()
            time.sleep(1.0)
            return None

    def _dequeue(self):
        db_alias = Conf.ORM
        connection = connections[db_alias]
        if connection.vendor != "postgresql":
            return super().dequeue()
        # A broken or expired connection is still replaced, just not checked on every poll.
        if time.monotonic() - self._health_checked > 1.0:
            self._health_checked = time.monotonic()
            close_old_connections()
        table = connection.ops.quote_name(OrmQ._meta.db_table)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH due AS (SELECT id, lock FROM {table} WHERE key = %s AND lock < %s "
                f"ORDER BY lock LIMIT %s FOR UPDATE SKIP LOCKED) "
                f"UPDATE {table} q SET lock = %s FROM due WHERE q.id = due.id "
                f"RETURNING q.id, q.payload, due.lock",
                [self.list_key, now, Conf.BULK, self.timeout(None)],
            )
            rows = cursor.fetchall()
        if rows:
            return [(pk, payload) for pk, payload, _ in sorted(rows, key=lambda r: r[2])]
        time.sleep(Conf.POLL)  # empty queue: spare the CPU, as the stock broker does
        return None


class _DueOrmBroker(ORM):
    def __init__(self, due_at: datetime):
        super().__init__(list_key=Conf.CLUSTER_NAME)
        self.due_at = due_at

    def enqueue(self, task):
        return self.get_connection().create(key=self.list_key, payload=task, lock=self.due_at).pk


def _eager() -> bool:
    # Unit tests run immediate work inline so that a request and its consequences can be
    # asserted in one test; timed work still waits for a timer run or a real qcluster.
    return settings.TASKS_EAGER


def enqueue(func: str, *args, due_at: datetime | None = None, task_timeout: int | None = None, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` on a worker, at ``due_at`` if given.

    ``task_timeout`` (seconds) replaces Q_TIMEOUT for this one task: only for work that cannot
    be cut into short tasks, such as an import that must commit whole. Such a task must guard
    itself against the redelivery django-q2 makes after Q_RETRY (a claim by conditional UPDATE).
    """
    if _eager() and (due_at is None or due_at <= timezone.now()):
        import_string(func)(*args, **kwargs)
        return
    options = {"timeout": task_timeout} if task_timeout else {}
    if due_at is None:
        async_task(func, *args, **options, **kwargs)
    else:
        async_task(func, *args, broker=_DueOrmBroker(due_at), **options, **kwargs)


def enqueue_with(func: str, *args, due_at: datetime | None = None, task_timeout: int | None = None,
                 **kwargs) -> None:
    """Queue work as part of the caller's transaction, which must hold the rows it is for.

    The ORM broker's row is written on the same connection, so it commits or rolls back with
    the caller's rows: no crash between the two can leave a message queued with no task to send
    it. Eager runs (tests) and django-q2's ``sync`` mode (debugging) run the task in the caller,
    so they still wait for the commit: no provider is called inside it.
    """
    if _eager() or Conf.SYNC:
        transaction.on_commit(lambda: enqueue(func, *args, due_at=due_at, task_timeout=task_timeout, **kwargs))
    else:
        enqueue(func, *args, due_at=due_at, task_timeout=task_timeout, **kwargs)


def enqueue_many_with(func: str, arg_lists: list[tuple]) -> None:
    """``enqueue_many`` as part of the caller's transaction (see ``enqueue_with``)."""
    if _eager() or Conf.SYNC:
        transaction.on_commit(lambda: enqueue_many(func, arg_lists))
    else:
        enqueue_many(func, arg_lists)


def enqueue_many(func: str, arg_lists: list[tuple], *, due_at: datetime | None = None) -> int:
    """Queue many calls of ``func`` in one INSERT (campaigns queue tens of thousands)."""
    if _eager():
        f = import_string(func)
        for args in arg_lists:
            f(*args)
        return len(arg_lists)
    lock = due_at or timezone.now()
    started = timezone.now()
    rows = []
    for args in arg_lists:
        tag = uuid()
        task = {"id": tag[1], "name": tag[0], "func": func, "args": tuple(args), "kwargs": {},
                "started": started, "ack_failure": Conf.ACK_FAILURES}
        rows.append(OrmQ(key=Conf.CLUSTER_NAME, payload=SignedPackage.dumps(task), lock=lock))
    OrmQ.objects.using(Conf.ORM).bulk_create(rows, batch_size=2000)
    return len(rows)


# Set when this worker's cluster was asked to stop (SIGTERM). The portal's ``qcluster`` command
# creates it before django-q2 forks its processes, so every worker inherits the same event.
_stopping = None


def stopping_event_install(event) -> None:
    global _stopping
    _stopping = event


def worker_stopping() -> bool:
    """True once the cluster this process works for is stopping: long work should hand back."""
    return _stopping is not None and _stopping.is_set()
