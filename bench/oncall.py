"""Who-is-on-call lookups at scale: 1,000 schedules, 20 members and 50 overrides each.

    .venv/bin/python bench/oncall.py                      # 10,000 lookups at random instants
    .venv/bin/python bench/oncall.py --schedules 100 --lookups 1000    # a quick run

Creates its own PostgreSQL database (portal_bench_oncall), migrates it, seeds the schedules by
bulk insert, then calls ``oncall.selectors.oncall_at`` (the one selector the pager, the API, the
admin and the SMS commands use) for random schedules at random instants within a year either
side of now, by id, as the pager does. Prints the time per lookup (p50, p95, p99, mean) and the
queries each lookup made, at this size and at a tenth of it, to show the count does not grow with the tables.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_oncall"
ZONES = ["Europe/London", "America/New_York", "America/Los_Angeles", "Australia/Sydney", "UTC", "Asia/Kolkata"]


def seed(*, schedules: int, members: int, overrides: int, rng: random.Random, first: int = 0) -> list[int]:
    from django.utils import timezone

    from messaging.models import Contact
    from oncall.models import Schedule, ScheduleMember, ScheduleOverride

    now = timezone.now()
    contacts = list(Contact.objects.all()) or Contact.objects.bulk_create(
        Contact(name=f"Engineer {i}", phone=f"+1206{5500000 + i:07d}") for i in range(members * 10))
    rows = Schedule.objects.bulk_create(
        Schedule(name=f"Rota {first + i}", time_zone=rng.choice(ZONES), turn_hours=rng.choice([12, 24, 168, 8]),
                 handoff=now - timedelta(days=rng.randint(30, 400), hours=rng.randint(0, 23)))
        for i in range(schedules))
    ScheduleMember.objects.bulk_create(
        ScheduleMember(schedule=s, contact=contacts[rng.randrange(len(contacts))], position=p)
        for s in rows for p in range(1, members + 1))
    spans = []
    for s in rows:
        for _ in range(overrides):
            start = now + timedelta(hours=rng.uniform(-24 * 365, 24 * 365))
            spans.append(ScheduleOverride(schedule=s, contact=contacts[rng.randrange(len(contacts))], start=start,
                                          end=start + timedelta(hours=rng.uniform(1, 72))))
    ScheduleOverride.objects.bulk_create(spans, batch_size=5000)
    return [s.pk for s in rows]


def lookups(ids: list[int], *, n: int, rng: random.Random) -> tuple[list[float], list[int], int]:
    from django.db import connection, reset_queries
    from django.utils import timezone

    from oncall.selectors import oncall_at

    now = timezone.now()
    times, queries, someone = [], [], 0
    for i in range(n):
        # Every tenth lookup counts its queries; the debug cursor that counts them costs time.
        connection.force_debug_cursor = i % 10 == 0
        pk = rng.choice(ids)
        at = now + timedelta(seconds=rng.uniform(-365 * 86400, 365 * 86400))
        reset_queries()
        t0 = time.perf_counter()
        answer = oncall_at(schedule=pk, at=at)  # as the pager asks: by id, the schedule read afresh
        elapsed = time.perf_counter() - t0
        if connection.force_debug_cursor:
            queries.append(len(connection.queries))
        else:
            times.append(elapsed)
        someone += answer.person is not None
    connection.force_debug_cursor = False
    return times, queries, someone


def report(label: str, times: list[float], queries: list[int], someone: int) -> None:
    s = sorted(times)
    print(f"{label}: {len(s)} lookups  p50={c.percentile(s, 50) * 1000:.3f} ms  p95={c.percentile(s, 95) * 1000:.3f} ms"
          f"  p99={c.percentile(s, 99) * 1000:.3f} ms  mean={statistics.fmean(s) * 1000:.3f} ms"
          f"  queries/lookup={min(queries)}..{max(queries)}  someone on call in {someone / len(s):.0%}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--schedules", type=int, default=1000)
    p.add_argument("--members", type=int, default=20)
    p.add_argument("--overrides", type=int, default=50)
    p.add_argument("--lookups", type=int, default=10000)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args()
    rng = random.Random(12)
    env = c.bench_env(c.db_recreate(DB))
    try:
        c.migrate(env)
        c.django_setup(env)
        from django.db import connection

        t0 = time.perf_counter()
        small = seed(schedules=max(1, args.schedules // 10), members=args.members, overrides=args.overrides, rng=rng)
        report(f"{len(small)} schedules", *lookups(small, n=max(100, args.lookups // 10), rng=rng))
        ids = small + seed(schedules=args.schedules - len(small), members=args.members, overrides=args.overrides,
                           rng=rng, first=len(small))
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"seeded {len(ids)} schedules, {len(ids) * args.members} members, "
              f"{len(ids) * args.overrides} overrides in {time.perf_counter() - t0:.1f} s")
        lookups(ids, n=200, rng=rng)  # warm the connection and the plan cache
        report(f"{len(ids)} schedules", *lookups(ids, n=args.lookups, rng=rng))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            c.db_drop(DB)


if __name__ == "__main__":
    main()
