"""Alerts in: Alertmanager bodies per second through gunicorn, next to contact upserts.

    .venv/bin/python bench/alerts.py [--seconds 10] [--concurrency 8] [--workers 4] [--threads 2]

Creates its own PostgreSQL database (``portal_bench_alerts``), migrates it, makes an API key and
a one-level policy, starts gunicorn on loopback with the portal's settings, and drives two
endpoints with the same number of keep-alive clients, taking turns in one-second slices so a
neighbour's burst on the shared machine hits both alike:

- ``POST /api/v1/alerts/alertmanager/?policy=ID``: 20 % of bodies are a new group (a new
  incident: pages, timers), 80 % repeat a group already open (absorbed: stored, counted, on the
  timeline, nobody paged);
- ``POST /api/v1/contacts/``: the same 20 % new phones / 80 % phones already there (updates).

Prints alerts/s (and repeats alone), contacts/s and their ratio (goal: repeats cost no more than
a contact upsert, and 500 alerts/s), then drops the database. The per-key throttle is lifted for
the run (API_RATE_PER_KEY empty): it is a policy, not a cost; so is the alert-storm limit, raised
so that new groups keep opening incidents.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import db_drop, db_recreate, load_note  # noqa: E402
from tests.support.alerts import ALERTMANAGER_FIRING  # noqa: E402

DB_NAME = "portal_bench_alerts"
HOST = "127.0.0.1"
PORT = 8131
NEW_SHARE = 5  # one body in five is new: 20 %
WARM_GROUPS = 50


class Endpoint:
    def __init__(self, name: str, path: str, make_body):
        self.name, self.path, self.make_body = name, path, make_body
        self.next = 0
        self.ok = self.bad = 0
        self.seconds = 0.0
        self.codes: dict[int, int] = {}


def alert_body(i: int) -> bytes:
    """Body ``i``: every fifth opens group i (new), the others repeat one of the groups opened."""
    group = i if i % NEW_SHARE == 0 else (i // NEW_SHARE) * NEW_SHARE
    body = copy.deepcopy(ALERTMANAGER_FIRING)
    body["groupKey"] = f'{{}}:{{alertname="ProbeFailure", instance="host-{group}"}}'
    body["alerts"][0]["labels"]["instance"] = f"host-{group}"
    return json.dumps(body).encode()


def repeat_body(i: int) -> bytes:
    """Only repeats, of the groups the warm-up opened: what absorbing alone costs."""
    return alert_body((i % WARM_GROUPS) * NEW_SHARE + 1)


def contact_body(i: int) -> bytes:
    n = i if i % NEW_SHARE == 0 else (i // NEW_SHARE) * NEW_SHARE
    return json.dumps({"name": f"Person {n} v{i}", "phone": f"+1206{n:07d}", "tags": ["bench"]}).encode()


def drive(endpoint: Endpoint, key: str, seconds: float, concurrency: int) -> None:
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}

    def worker():
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                i = endpoint.next
                endpoint.next += 1
            conn.request("POST", endpoint.path, body=endpoint.make_body(i), headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                endpoint.codes[response.status] = endpoint.codes.get(response.status, 0) + 1
                if response.status in (200, 201):
                    endpoint.ok += 1
                else:
                    endpoint.bad += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    endpoint.seconds += time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time per endpoint (default 10)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker (default 2)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    url = db_recreate(DB_NAME)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "false",
           "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "LOG_LEVEL": "ERROR", "CONN_MAX_AGE": "600",
           "API_RATE_PER_KEY": "", "PYTHONPATH": str(ROOT),
           # New groups must open incidents throughout, not join an alert storm after the tenth.
           "ALERT_STORM_INCIDENTS": "1000000"}
    env.pop("TEST_DATABASE_NAME", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([py, "manage.py", "create_api_key", "bench"], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    key = out.strip().splitlines()[-1]
    seed = ("from incidents.models import EscalationPolicy as P, EscalationLevel as L;"
            "from messaging.models import Contact as C;"
            "p = P.objects.create(name='bench'); lv = L.objects.create(policy=p, wait_seconds=3600, reminders=1);"
            "lv.contacts.set([C.objects.create(name='On call', phone='+12065550100')]); print(p.pk)")
    policy = subprocess.run([py, "manage.py", "shell", "-c", seed], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[-1]
    alerts = Endpoint("alerts", f"/api/v1/alerts/alertmanager/?policy={policy}", alert_body)
    contacts = Endpoint("contacts", "/api/v1/contacts/", contact_body)
    repeats = Endpoint("repeats", alerts.path, repeat_body)

    gunicorn = [py, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{PORT}",
                "--workers", str(args.workers), "--worker-class", "gthread", "--threads", str(args.threads),
                "--log-level", "warning", "--keep-alive", "30"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                with socket.create_connection((HOST, PORT), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        warm = Endpoint("warm", "/api/v1/contacts/", lambda i: contact_body(10 ** 6 + i))
        drive(warm, key, 2, args.concurrency)
        opener = Endpoint("open", alerts.path, lambda i: alert_body(i * NEW_SHARE))
        while opener.next < WARM_GROUPS:  # the groups repeat_body repeats (counted below as incidents)
            drive(opener, key, 0.2, 1)
        alerts.next = opener.next * NEW_SHARE  # the mixed run opens groups of its own
        slices = max(1, round(args.seconds))
        for _ in range(slices):
            for endpoint in (contacts, alerts, repeats):
                drive(endpoint, key, args.seconds / slices, args.concurrency)
        check = ("from incidents.models import Incident as I, Alert as A, AlertGroup as G;"
                 "from django.db.models import Sum;"
                 "print(I.objects.count(), A.objects.count(), G.objects.aggregate(s=Sum('absorbed'))['s'] or 0)")
        counts = subprocess.run([py, "manage.py", "shell", "-c", check], cwd=ROOT, env=env, check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
        incidents, stored, absorbed = (int(x) for x in counts.split())
        rate_alerts = alerts.ok / alerts.seconds
        rate_contacts = contacts.ok / contacts.seconds
        rate_repeats = repeats.ok / repeats.seconds
        print(f"gunicorn: {args.workers} workers x {args.threads} threads, {args.concurrency} clients, "
              f"{args.seconds:.0f} s per endpoint in {slices} alternating slices, PostgreSQL; {load_note()}")
        print(f"POST alerts/alertmanager/: {rate_alerts:8.1f} alerts/s   ({alerts.ok} ok, {alerts.bad} other "
              f"{alerts.codes}; {incidents} incidents opened, {absorbed} repeats absorbed, {stored} bodies stored)")
        print(f"  of which repeats only  : {rate_repeats:8.1f} alerts/s   ({repeats.ok} ok, {repeats.bad} other)")
        print(f"POST contacts/           : {rate_contacts:8.1f} contacts/s ({contacts.ok} ok, {contacts.bad} other)")
        print(f"ratio alerts/contacts    : {rate_alerts / rate_contacts:.2f}  (20 % new groups, 80 % repeats)")
        print(f"ratio repeats/contacts   : {rate_repeats / rate_contacts:.2f}  (goal >= 1.0; and 500 alerts/s)")
        consistent = incidents + absorbed == stored == alerts.ok + repeats.ok + opener.ok
        print(f"every body stored and either opened or absorbed: {consistent}")
        return 0 if alerts.bad == contacts.bad == repeats.bad == 0 and consistent else 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if not args.keep_db:
            db_drop(DB_NAME)


if __name__ == "__main__":
    sys.exit(main())
