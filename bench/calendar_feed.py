"""Calendar feed fetches: a 20-member schedule with 50 overrides over the feed's 97 days.

    .venv/bin/python bench/calendar_feed.py                    # 500 fetches
    .venv/bin/python bench/calendar_feed.py --fetches 100 --turn-hours 12

Creates its own PostgreSQL database (portal_bench_calendar), migrates it, makes the schedule, its
overrides (spread over 7 days back to 90 ahead) and a feed token, then GETs
``/calendar/TOKEN.ics`` through Django's test client (URL routing, middleware, the view, the
iCalendar text: everything but the socket). Prints ms per fetch (p50, p95, p99, mean), the
queries each fetch made, the events and bytes of the feed, and the same for a 2-member schedule
with no overrides, to show the query count does not grow. "changed": every fetch writes the text
afresh, as the first fetch after any change; "unchanged": the text of the last fetch is reused
(oncall.calendars._render), as when a calendar polls a feed nobody changed since.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Named calendar_feed, not calendar: run as a script, this folder comes first on sys.path, and a
# bench/calendar.py hid the standard library's ``calendar`` from every bench script. Take it off too.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench import _common as c  # noqa: E402

DB = "portal_bench_calendar"


def seed(*, name: str, members: int, overrides: int, turn_hours: int, rng: random.Random) -> str:
    """A schedule with its members and overrides; returns its feed's path."""
    from django.utils import timezone

    from messaging.models import Contact
    from oncall.calendars import DAYS_AHEAD, DAYS_BACK, calendar_feed_create
    from oncall.models import ScheduleOverride
    from oncall.services import schedule_create

    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        Contact(name=f"{name} engineer {i}", phone=f"+1206{5500000 + rng.randrange(10**6):07d}")
        for i in range(members))
    schedule = schedule_create(name=name, time_zone="America/Los_Angeles", handoff=now - timedelta(days=200),
                               turn_hours=turn_hours, members=contacts)
    span = (DAYS_BACK + DAYS_AHEAD) * 24
    ScheduleOverride.objects.bulk_create(
        ScheduleOverride(schedule=schedule, contact=rng.choice(contacts), start=start,
                         end=start + timedelta(hours=rng.uniform(1, 72)))
        for start in (now - timedelta(days=DAYS_BACK) + timedelta(hours=rng.uniform(0, span))
                      for _ in range(overrides)))
    return calendar_feed_create(schedule=schedule).path()


def fetches(path: str, *, n: int, cold: bool) -> tuple[list[float], list[int], int, int]:
    """``cold``: as the first fetch after a change (the rendered text is not kept from the last
    fetch); otherwise as a calendar polling a feed that has not changed."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from oncall.calendars import _render

    client = Client()
    times, queries, cpu = [], [], []
    body = b""
    for i in range(n):
        if cold:
            _render.cache_clear()
        if i % 10 == 0:  # every tenth fetch counts its queries; the counting cursor costs time
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path, HTTP_HOST="127.0.0.1")
            queries.append(len(ctx.captured_queries))
        else:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(path, HTTP_HOST="127.0.0.1")
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert response.status_code == 200, response.status_code
        body = response.content
    return times, cpu, queries, body.count(b"BEGIN:VEVENT"), len(body)


def report(label: str, times: list[float], cpu: list[float], queries: list[int], events: int, size: int) -> None:
    s = sorted(times)
    print(f"{label}: {len(s)} fetches  p50={c.percentile(s, 50) * 1000:.2f} ms  p95={c.percentile(s, 95) * 1000:.2f} ms"
          f"  p99={c.percentile(s, 99) * 1000:.2f} ms  mean={statistics.fmean(s) * 1000:.2f} ms"
          f"  (this process's CPU {statistics.fmean(cpu) * 1000:.2f} ms)"
          f"  queries/fetch={min(queries)}..{max(queries)}  {events} events, {size / 1024:.0f} KiB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--members", type=int, default=20)
    p.add_argument("--overrides", type=int, default=50)
    p.add_argument("--turn-hours", type=int, default=24)
    p.add_argument("--fetches", type=int, default=500)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args()
    rng = random.Random(23)
    env = c.bench_env(c.db_recreate(DB))
    try:
        c.migrate(env)
        c.django_setup(env)
        small = seed(name="Small", members=2, overrides=0, turn_hours=args.turn_hours, rng=rng)
        big = seed(name="Big", members=args.members, overrides=args.overrides, turn_hours=args.turn_hours, rng=rng)
        fetches(big, n=20, cold=True)  # warm the connection, the URL resolver and the imports
        report("2 members, 0 overrides, changed", *fetches(small, n=max(50, args.fetches // 5), cold=True))
        label = f"{args.members} members, {args.overrides} overrides, {args.turn_hours} h turns"
        report(f"{label}, changed", *fetches(big, n=args.fetches, cold=True))
        report(f"{label}, unchanged", *fetches(big, n=args.fetches, cold=False))
        print(c.load_note())
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            c.db_drop(DB)


if __name__ == "__main__":
    main()
