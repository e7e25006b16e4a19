"""PostgreSQL advisory locks for the history jobs, which may otherwise meet on the same day.

The 5-minute rollup refresh, the archive's own rebuild of a day and a second copy of either
(a redelivered task, a manual command) used to rebuild one day in two transactions at once:
both deleted the day's rows, both inserted, and the second insert hit the unique key. A lock
per day, held to the end of the transaction, puts them one after the other. SQLite needs
none: the portal opens its transactions IMMEDIATE there, so writers already queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.db import DatabaseError, connection

# The first key of each two-key advisory lock: which job the second key (a day, or 0) is for.
ROLLUP_DAY = 0x0719_0001
ARCHIVE = 0x0719_0002


def day_lock(day: date) -> None:
    """Hold the rollup lock of ``day`` until the current transaction ends (waits for it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_DAY, day.toordinal()])


@contextmanager
def archive_lock(*, wait: bool) -> Iterator[bool]:
    """The archive's session lock: yields whether this process holds it.

    One archive or restore at a time: a second run finds it taken and ends at once (or, with
    ``wait``, waits for it), so a schedule that fires while the last run is still going, or
    a manual run next to it, does no work twice.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s, 0)" if wait else "SELECT pg_try_advisory_lock(%s, 0)", [ARCHIVE])
        held = wait or cur.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s, 0)", [ARCHIVE])
            except DatabaseError:
                # A broken connection (or one left in a failed transaction) would keep the lock
                # for as long as a worker keeps it open; closing it gives the lock back.
                connection.close()
