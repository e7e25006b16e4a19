"""Heartbeats: ping latency and cost against GET /healthz, and how late a missed ping is detected.

    .venv/bin/python bench/heartbeats.py                      # 10,000 heartbeats, 60 s, 500 pings/s
    .venv/bin/python bench/heartbeats.py --heartbeats 2000 --rate 100 --timeout 30   # smaller

Creates its own PostgreSQL database (``portal_bench_heartbeats``), migrates it, makes a one-level
policy and ``--heartbeats`` heartbeats, starts gunicorn on loopback and ``--clusters`` qcluster
processes, then, from this process (threads with keep-alive connections, paced open loop):

1. ``GET /healthz`` at ``--rate`` for ``--healthz-seconds``: latency, and the CPU the web
   processes and their PostgreSQL backends spent per request (read from /proc);
2. arms every heartbeat as its first pings would (state ``up``, a deadline timer each, written
   in bulk so that arming 10,000 does not take the run), their deadlines spread over the second
   half of the timeout;
3. ``GET /heartbeat/{token}`` at ``--rate`` for ``--seconds``, round-robin over all but
   ``--expire`` heartbeats (in deadline order, so each is pinged before its first deadline):
   latency and CPU per ping as in 1, and the ratio of the two;
4. the ``--expire`` heartbeats left alone miss their deadlines while the pings go on: detection
   lateness = the incident's ``created_at`` − (last ping + timeout). Also the lateness of every
   heartbeat deadline timer that fired (each one either moves to the new deadline or opens).

Prints the figures and drops the database (``--keep-db`` keeps it).
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_heartbeats"
print = functools.partial(print, flush=True)  # noqa: A001 - a killed run still shows what it measured
HOST = "127.0.0.1"
PORT = 8133
WEB_APP = "bench-web"  # application_name of the web processes' connections, to find their backends


class Phase:
    def __init__(self, name: str):
        self.name = name
        self.latencies: list[float] = []
        self.behind: list[float] = []  # how late the client sent compared with its schedule
        self.codes: dict[int, int] = {}
        self.seconds = 0.0


def drive(phase: Phase, paths: list[str], *, rate: float, seconds: float, concurrency: int) -> None:
    """Send GETs at ``rate`` per second (open loop: request k is due at start + k / rate)."""
    lock = threading.Lock()
    count = int(rate * seconds)
    state = {"next": 0}
    start = time.perf_counter() + 0.2

    def worker():
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        while True:
            with lock:
                k = state["next"]
                state["next"] += 1
            if k >= count:
                break
            due = start + k / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            try:
                conn.request("GET", paths[k % len(paths)])
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
                status = 0
            done = time.perf_counter()
            with lock:
                phase.latencies.append(done - sent)
                phase.behind.append(max(sent - due, 0.0))
                phase.codes[status] = phase.codes.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.perf_counter() - start


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (gunicorn's master and workers)."""
    parents: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def _web_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [WEB_APP])
        return [r[0] for r in cur.fetchall()]


def measured(phase: Phase, server_pid: int, run) -> float:
    """Run the phase; return the CPU seconds (web processes + their backends) it cost."""
    web, backends = _tree(server_pid), _web_backends()
    before = _cpu_seconds(web) + _cpu_seconds(backends)
    run()
    # Backends opened during the phase started at ~0 CPU, so counting them afterwards is fair.
    backends = sorted(set(backends) | set(_web_backends()))
    return _cpu_seconds(_tree(server_pid)) + _cpu_seconds(backends) - before


def report(phase: Phase, cpu: float) -> dict:
    s = sorted(phase.latencies)
    n = len(s)
    ok = phase.codes.get(200, 0)
    out = {"n": n, "rate": n / phase.seconds if phase.seconds else 0, "p50": c.percentile(s, 50) * 1000,
           "p99": c.percentile(s, 99) * 1000, "max": s[-1] * 1000 if s else float("nan"),
           "cpu_ms": cpu / max(ok, 1) * 1000, "behind_p99": c.percentile(sorted(phase.behind), 99) * 1000}
    print(f"{phase.name}: {n} requests in {phase.seconds:.1f} s ({out['rate']:.0f}/s), codes {phase.codes}; "
          f"latency p50 {out['p50']:.2f} ms, p99 {out['p99']:.2f} ms, max {out['max']:.1f} ms; "
          f"CPU (web + its PostgreSQL backends) {out['cpu_ms']:.2f} ms per request; "
          f"client behind schedule p99 {out['behind_p99']:.1f} ms")
    return out


def arm(heartbeats, *, timeout: int, expire: int) -> tuple[list, list]:
    """State ``up`` with a deadline timer each, as first pings leave them, written in bulk.

    Deadlines spread over (now + timeout/2, now + timeout]; the first ``expire`` (by deadline) are
    the ones left to expire, the rest are pinged in deadline order.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from django_q.conf import Conf
    from django_q.humanhash import uuid
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from incidents.heartbeats.models import Heartbeat, HeartbeatState
    from incidents.heartbeats.services import DEADLINE_CALLBACK
    from messaging.models import Timer
    from messaging.scheduling.timers import TIMER_FIRE_TASK

    now = timezone.now()
    n = len(heartbeats)
    half = timeout / 2
    for i, hb in enumerate(heartbeats):
        # Expiring ones are spread over the whole window too, every (n // expire)-th.
        hb.last_ping_at = now - timedelta(seconds=half) + timedelta(seconds=half * i / n)
        hb.state, hb.generation = HeartbeatState.UP, 1
    Heartbeat.objects.bulk_update(heartbeats, ["last_ping_at", "state", "generation"], batch_size=2000)
    kind = ContentType.objects.get_for_model(Heartbeat)
    timers = Timer.objects.bulk_create([
        Timer(callback=DEADLINE_CALLBACK, due_at=hb.deadline, owner_type=kind, owner_id=hb.pk,
              label=f"heartbeat {hb.name}",
              kwargs={"heartbeat_id": hb.pk, "generation": 1, "due": hb.deadline.isoformat()})
        for hb in heartbeats], batch_size=2000)
    rows = []
    for t in timers:
        tag = uuid()
        task = {"id": tag[1], "name": tag[0], "func": TIMER_FIRE_TASK, "args": (), "kwargs": {"timer_id": t.pk},
                "started": now, "ack_failure": Conf.ACK_FAILURES}
        rows.append(OrmQ(key=Conf.CLUSTER_NAME, payload=SignedPackage.dumps(task), lock=t.due_at))
    OrmQ.objects.bulk_create(rows, batch_size=2000)
    step = max(n // max(expire, 1), 1)
    left = [hb for i, hb in enumerate(heartbeats) if expire and i % step == 0][:expire]
    left_ids = {hb.pk for hb in left}
    return left, [hb for hb in heartbeats if hb.pk not in left_ids]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heartbeats", type=int, default=10_000)
    parser.add_argument("--timeout", type=int, default=60, help="timeout_seconds of every heartbeat")
    parser.add_argument("--rate", type=float, default=500.0, help="pings (and healthz requests) per second")
    parser.add_argument("--expire", type=int, default=100, help="heartbeats left to expire")
    parser.add_argument("--seconds", type=float, default=None, help="ping phase (default: timeout + 15)")
    parser.add_argument("--healthz-seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    c.add_cluster_args(parser)
    args = parser.parse_args()
    seconds = args.seconds or args.timeout + 15

    url = c.db_recreate(DB)
    # The expiring heartbeats miss together on one policy: lift the alert-storm grouping, or all but
    # the first ten would join one storm incident (opened before most of their deadlines).
    env = c.bench_env(url, Q_WORKERS=args.workers, Q_POLL=args.poll, CONN_MAX_AGE="600", API_RATE_PER_KEY="",
                      ALERT_STORM_INCIDENTS="1000000")
    c.migrate(env)
    c.django_setup(env)
    from incidents.heartbeats.models import Heartbeat
    from incidents.models import EscalationLevel, EscalationPolicy, Incident
    from messaging.models import Contact, Timer

    contact = Contact.objects.create(name="Ops", phone="+12065550100")
    policy = EscalationPolicy.objects.create(name="Jobs")
    level = EscalationLevel.objects.create(policy=policy, position=1, wait_seconds=600, reminders=0)
    level.contacts.set([contact])
    heartbeats = Heartbeat.objects.bulk_create(
        [Heartbeat(name=f"job {i}", policy=policy, timeout_seconds=args.timeout, token=secrets.token_urlsafe(24))
         for i in range(args.heartbeats)], batch_size=2000)
    heartbeats = list(Heartbeat.objects.order_by("pk"))

    web_env = {**env, "DATABASE_URL": f"{url}?application_name={WEB_APP}", "PYTHONPATH": str(c.ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{PORT}",
         "--workers", str(args.web_workers), "--worker-class", "gthread", "--threads", str(args.threads),
         "--log-level", "warning", "--keep-alive", "30"], cwd=c.ROOT, env=web_env, start_new_session=True)
    clusters = None
    try:
        for _ in range(100):
            try:
                with socket.create_connection((HOST, PORT), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        clusters = c.Clusters(args.clusters, env)
        print(f"{args.heartbeats} heartbeats at {args.timeout} s, {args.rate:.0f} requests/s, "
              f"{args.expire} left to expire; gunicorn {args.web_workers}x{args.threads}, "
              f"{args.clusters} qcluster(s); {c.load_note()}")
        drive(Phase("warm-up"), ["/healthz"], rate=min(args.rate, 200), seconds=2, concurrency=args.concurrency)
        health = Phase("GET /healthz")
        cpu = measured(health, server.pid, lambda: drive(health, ["/healthz"], rate=args.rate,
                                                         seconds=args.healthz_seconds, concurrency=args.concurrency))
        healthz = report(health, cpu)

        expiring, pinged = arm(heartbeats, timeout=args.timeout, expire=args.expire)
        armed_at = time.time()
        pings = Phase("GET /heartbeat/{token}")
        paths = [f"/heartbeat/{hb.token}" for hb in pinged]
        cpu = measured(pings, server.pid, lambda: drive(pings, paths, rate=args.rate, seconds=seconds,
                                                        concurrency=args.concurrency))
        ping = report(pings, cpu)
        print(f"ping / healthz: latency p50 {ping['p50'] / healthz['p50']:.2f}x, "
              f"p99 {ping['p99'] / healthz['p99']:.2f}x, CPU per request {ping['cpu_ms'] / healthz['cpu_ms']:.2f}x")

        # Every expiring deadline is within the timeout of arming; give the workers a moment more.
        ids = [hb.pk for hb in expiring]
        c_deadline = armed_at + args.timeout + 10 if ids else 0
        while time.time() < c_deadline and Heartbeat.objects.filter(pk__in=ids, incident__isnull=True).exists():
            time.sleep(0.5)
        late = []
        for hb in Heartbeat.objects.filter(pk__in=ids).select_related("incident"):
            if hb.incident is not None:
                deadline = hb.last_ping_at + timedelta(seconds=hb.timeout_seconds)
                late.append((hb.incident.created_at - deadline).total_seconds())
        s = sorted(late)
        if not ids:
            print("detection: no heartbeat was left to expire (--expire 0)")
        elif s:
            print(f"detection lateness ({len(s)} of {len(ids)} expired heartbeats opened an incident): "
                  f"p50 {c.percentile(s, 50):.3f} s, p99 {c.percentile(s, 99):.3f} s, max {s[-1]:.3f} s, "
                  f"min {s[0]:.3f} s")
        else:
            print(f"detection: none of {len(ids)} expired heartbeats opened an incident in time")
        theirs = Heartbeat.objects.filter(pk__in=ids).values_list("incident_id", flat=True)
        others = Incident.objects.exclude(pk__in=[i for i in theirs if i]).count()
        print(f"incidents of heartbeats that were pinged: {others} (expected 0)")
        fired = list(Timer.objects.filter(callback="incidents.tasks.heartbeat_deadline", fired_at__isnull=False)
                     .values_list("fired_at", "due_at"))
        t = sorted((f - d).total_seconds() for f, d in fired)
        if t:
            print(f"deadline timers fired: {len(t)} (moved or missed); lateness p50 {c.percentile(t, 50):.3f} s, "
                  f"p99 {c.percentile(t, 99):.3f} s, max {t[-1]:.3f} s; {c.load_note()}")
        errors = clusters.errors()
        if errors:
            print("qcluster errors:", *errors[:5], sep="\n  ")
    finally:
        if clusters is not None:
            clusters.stop()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            c.db_drop(DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
