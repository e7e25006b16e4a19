"""Timer lateness on real qcluster processes, beside a plain django-q2 one-off Schedule.

    .venv/bin/python bench/timers.py                 # 10,000 timers over 60 s, then 200 Schedules
    .venv/bin/python bench/timers.py --count 500 --window 10 --schedules 0   # a quick smoke run
    .venv/bin/python bench/timers.py --pending 1000000 --schedules 0          # under a million waiting

Creates its own database (portal_bench_timers), migrates it, starts the qcluster processes,
schedules the timers through ``timer_schedule`` with a callback that records the moment it ran,
and reports lateness = callback time - due time, and how many fired twice or never.

``--pending N`` first adds N timers due next week, each a Timer row and its queued django-q2 task
(a real signed ``timer_fire`` payload, written with COPY because N calls of ``timer_schedule``
would take an hour), as an integrator's 100,000 one-hour fallbacks leave behind. Then the idle
clusters' CPU is read from /proc, per process, the pusher (which polls the queue) named apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_timers"


def _stats(label: str, lateness: list[float]) -> dict:
    s = sorted(lateness)
    out = {"n": len(s), "p50": c.percentile(s, 50), "p95": c.percentile(s, 95), "p99": c.percentile(s, 99),
           "max": s[-1] if s else float("nan"), "min": s[0] if s else float("nan")}
    print(f"{label}: n={out['n']} p50={out['p50']:.3f}s p95={out['p95']:.3f}s p99={out['p99']:.3f}s "
          f"max={out['max']:.3f}s min={out['min']:.3f}s")
    return out


def _wait(predicate, deadline: float, every: float = 1.0) -> bool:
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def add_pending(n: int) -> None:
    """N timers due a week from now, each with its queued task, as timer_schedule writes them."""
    from django.db import connection
    from django_q.conf import Conf
    from django_q.humanhash import uuid
    from django_q.signing import SignedPackage

    t = time.time()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO messaging_timer (label, callback, kwargs, due_at, state, created_at, attempts, error) "
            "SELECT 'pending ' || g, 'bench._common.record_fire', jsonb_build_object('ref', -g, 'kind', 'pending'), "
            "now() + interval '7 days' + g * interval '1 ms', 'pending', now(), 0, '' FROM generate_series(1, %s) g",
            [n])
        cur.execute("SELECT id, due_at FROM messaging_timer WHERE label LIKE 'pending %%'")
        timers = cur.fetchall()
        with cur.cursor.copy("COPY django_q_ormq (key, payload, lock) FROM STDIN") as copy:
            for pk, due in timers:
                tag = uuid()
                task = {"id": tag[1], "name": tag[0], "func": "messaging.tasks.timer_fire", "args": (),
                        "kwargs": {"timer_id": pk}, "started": due, "ack_failure": Conf.ACK_FAILURES}
                copy.write_row((Conf.CLUSTER_NAME, SignedPackage.dumps(task), due))
        cur.execute("ANALYZE django_q_ormq")
        cur.execute("ANALYZE messaging_timer")
    print(f"added {n} timers due next week, with their queued tasks, in {time.time() - t:.0f} s")


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _cpu_ticks(pid: int) -> tuple[int, int]:
    """(utime + stime, start time) of a process, in clock ticks, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[19])


def idle_cpu(clusters, seconds: float = 10.0) -> None:
    """CPU per process of each idle cluster, read from /proc over ``seconds``.

    django-q2 spawns the workers, then the monitor, then the pusher, so the sentinel's youngest
    child is the pusher (no worker recycles during the bench).
    """
    import os

    hz = os.sysconf("SC_CLK_TCK")
    procs = {}
    for i, p in enumerate(clusters.procs):
        for sentinel in _children(p.pid):
            kids = sorted(_children(sentinel), key=lambda k: _cpu_ticks(k)[1])
            names = {k: "worker" for k in kids[:-2]}
            if len(kids) >= 2:
                names[kids[-2]], names[kids[-1]] = "monitor", "pusher"
            for pid, name in [(p.pid, "main"), (sentinel, "sentinel"), *names.items()]:
                procs[pid] = (i, name)
    before = {pid: _cpu_ticks(pid)[0] for pid in procs}
    t = time.time()
    time.sleep(seconds)
    wall = time.time() - t
    for i in range(len(clusters.procs)):
        parts = []
        for pid, (ci, name) in procs.items():
            if ci == i:
                pct = 100 * (_cpu_ticks(pid)[0] - before[pid]) / hz / wall
                parts.append((name, pct))
        pusher = next((pct for name, pct in parts if name == "pusher"), float("nan"))
        total = sum(pct for _, pct in parts)
        detail = ", ".join(f"{name} {pct:.1f}%" for name, pct in sorted(parts))
        print(f"idle cluster {i}: pusher {pusher:.1f}% of a core, whole cluster {total:.1f}% ({detail}) "
              f"over {wall:.0f} s")


def bench_timers(args) -> dict:
    from django.db import transaction

    from messaging.models import Timer, TimerState
    from messaging.scheduling.timers import timer_schedule

    start = time.time()
    base = start + args.lead
    step = args.window / args.count
    due = [base + i * step for i in range(args.count)]
    for lo in range(0, args.count, 500):
        with transaction.atomic():
            for i in range(lo, min(lo + 500, args.count)):
                timer_schedule(callback="bench._common.record_fire", kwargs={"ref": i},
                               due_at=datetime.fromtimestamp(due[i], UTC), label=f"bench {i}")
    scheduled = time.time()
    print(f"scheduled {args.count} timers in {scheduled - start:.1f} s "
          f"({args.count / (scheduled - start):.0f}/s); first due {base - scheduled:+.1f} s from now, "
          f"last at {due[-1] - scheduled:+.1f} s")
    if scheduled > base:
        print("WARNING: scheduling overran the first due time; raise --lead")

    bench = Timer.objects.filter(label__startswith="bench ")

    def done():
        return not bench.filter(state=TimerState.PENDING).exists()

    # Everything must fire within the window plus a grace that covers the minute sweep.
    _wait(done, due[-1] + args.grace)
    rows = c.probe_rows("timer")
    fires = Counter(ref for ref, _, _ in rows)
    first = {}
    for ref, at, _ in rows:
        first.setdefault(ref, at)
    twice = sum(1 for n in fires.values() if n > 1)
    never = args.count - len(fires)
    print(f"timers: {len(rows)} callback runs for {args.count} timers; fired twice: {twice}; never: {never}; "
          f"still pending: {bench.filter(state=TimerState.PENDING).count()}; "
          f"failed: {bench.filter(state=TimerState.FAILED).count()}")
    out = _stats("timer lateness (callback ran - due)", [first[i] - due[i] for i in first])
    marked = [t.lateness for t in bench.filter(state=TimerState.FIRED).only("fired_at", "due_at")]
    _stats("timer lateness (Timer.fired_at - due_at)", marked)
    if rows:
        span = rows[-1][1] - rows[0][1]
        print(f"callbacks ran from {rows[0][1] - base:+.1f} s to {rows[-1][1] - base:+.1f} s after the first "
              f"due time ({len(rows) / max(span, 1e-9):.0f}/s; due at {args.count / args.window:.0f}/s)")
    by_pid = Counter(pid for _, _, pid in rows)
    print(f"callbacks ran in {len(by_pid)} worker processes: {sorted(by_pid.values(), reverse=True)}")
    out.update(twice=twice, never=never)
    return out


def bench_schedules(args) -> dict:
    from django_q.models import Schedule, Task

    start = time.time()
    base = start + 2
    step = args.schedule_window / args.schedules
    due = {}
    for i in range(args.schedules):
        due[i] = base + i * step
        Schedule.objects.create(name=f"bench once {i}", func="bench._common.record_fire",
                                kwargs=f"ref={i}, kind='schedule'", schedule_type=Schedule.ONCE,
                                repeats=1, next_run=datetime.fromtimestamp(due[i], UTC))
    print(f"created {args.schedules} one-off Schedules due over {args.schedule_window:.0f} s")

    def done():
        return len(c.probe_rows("schedule")) >= args.schedules

    # The scheduler scans about every 30 s, so allow a scan and a half past the last one.
    _wait(done, due[args.schedules - 1] + 50, every=2)
    rows = c.probe_rows("schedule")
    fires = Counter(ref for ref, _, _ in rows)
    first = {}
    for ref, at, _ in rows:
        first.setdefault(ref, at)
    twice = sum(1 for n in fires.values() if n > 1)
    never = args.schedules - len(fires)
    print(f"schedules: {len(rows)} callback runs for {args.schedules}; twice: {twice}; never: {never}")
    out = _stats("Schedule lateness (callback ran - next_run)", [first[i] - due[i] for i in first])
    started = []
    for s in Schedule.objects.filter(name__startswith="bench once ").exclude(task=None):
        t = Task.objects.filter(id=s.task).first()
        i = int(s.name.rsplit(" ", 1)[1])
        if t:
            started.append(t.started.timestamp() - due[i])
    if started:
        _stats("Schedule lateness (Task.started - next_run)", started)
    else:
        print("(no Task rows: Q_CLUSTER save_limit < 0 stores no successes; the callback time is the measure)")
    out.update(twice=twice, never=never)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=10_000, help="timers to schedule")
    p.add_argument("--window", type=float, default=60.0, help="seconds over which they fall due")
    p.add_argument("--lead", type=float, default=20.0, help="seconds before the first is due (covers scheduling)")
    p.add_argument("--grace", type=float, default=75.0, help="seconds past the last due time to wait")
    c.add_cluster_args(p)
    p.add_argument("--schedules", type=int, default=200, help="one-off Schedules to compare (0 to skip)")
    p.add_argument("--schedule-window", type=float, default=120.0)
    p.add_argument("--pending", type=int, default=0, help="timers due next week to add first")
    p.add_argument("--idle-seconds", type=float, default=10.0, help="how long to read idle CPU for")
    args = p.parse_args()

    t0 = time.time()
    env = c.bench_env(c.db_recreate(DB), Q_WORKERS=args.workers, Q_POLL=args.poll)
    c.migrate(env)
    c.django_setup(env)
    from django.conf import settings

    if args.pending:
        add_pending(args.pending)
    q = settings.Q_CLUSTER
    print(f"{args.clusters} qcluster processes x {q['workers']} workers, poll {q['poll']} s, bulk {q['bulk']}; "
          f"{c.load_note()}")
    clusters = c.Clusters(args.clusters, env)
    try:
        idle_cpu(clusters, args.idle_seconds)
        bench_timers(args)
        if args.schedules:
            bench_schedules(args)
        idle_cpu(clusters, args.idle_seconds)
    finally:
        clusters.stop()
        errors = clusters.errors()
        if errors:
            print(f"{len(errors)} error lines in the qcluster logs ({clusters.logdir}), first: {errors[0]}")
        print(f"after: {c.load_note()}; total {time.time() - t0:.0f} s")
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            c.db_drop(DB)


if __name__ == "__main__":
    main()
