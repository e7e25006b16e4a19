"""Contacts from CSV at scale, through the API as a client sends them: gunicorn, a qcluster, PostgreSQL.

    .venv/bin/python bench/import.py                          # 100,000 rows, then a 1,000,000-line file
    .venv/bin/python bench/import.py --rows 20000 --million 0 # a quick run

Creates its own database (portal_bench_imports), migrates it, starts gunicorn on loopback with
the portal's settings (``--web-workers`` sync workers, 30 s timeout) and one real qcluster,
and creates an API key. Then, each with a thread GETting ``/healthz`` every 50 ms:

1. ``POST /api/v1/contacts/import/`` with ``--rows`` rows (10% of them already contacts):
   ``202``, then ``GET /api/v1/imports/{id}/`` every 0.5 s until it is done. Prints the time from
   the POST to "done", and /healthz p50/p99/max meanwhile.
2. gunicorn is started afresh and warmed; the qcluster is stopped (the worker's side is figure
   1; this one is the web process). ``POST`` a ``--million``-line file. Prints each web
   worker's peak RSS (VmHWM) above its idle RSS, the POST's time, and /healthz meanwhile.
3. A body over CONTACT_IMPORT_MAX_BYTES: prints the answer and how long it took.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_imports"
HOST, PORT = "127.0.0.1", 8157


def csv_bytes(rows: int, start: int = 0) -> bytes:
    lines = ["name,phone,email,tags"]
    lines += [f"Employee {i},+447911{i:06d},e{i}@example.com,overtime;site-{i % 20}" for i in range(start, rows)]
    return ("\n".join(lines) + "\n").encode()


def million_bytes(lines: int) -> bytes:
    out = ["name,phone"] + [f"Employee {i},+4479{i:08d}" for i in range(lines)]
    return ("\n".join(out) + "\n").encode()


class Healthz(threading.Thread):
    """GETs /healthz every 50 ms and keeps each answer's time."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.times, self.failures, self.stopped = base, [], 0, threading.Event()

    def run(self):
        import requests

        with requests.Session() as s:
            while not self.stopped.is_set():
                t0 = time.perf_counter()
                try:
                    ok = s.get(f"{self.base}/healthz", timeout=60).status_code == 200
                except requests.RequestException:
                    ok = False
                self.times.append(time.perf_counter() - t0)
                self.failures += not ok
                self.stopped.wait(0.05)

    def summary(self) -> str:
        self.stopped.set()
        self.join()
        t = sorted(self.times)
        return (f"/healthz p50 {c.percentile(t, 50) * 1000:.0f} ms, p99 {c.percentile(t, 99) * 1000:.0f} ms, "
                f"max {t[-1] * 1000:.0f} ms over {len(t)} requests, {self.failures} not 200")


class Web:
    def __init__(self, env: dict, workers: int):
        cmd = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{PORT}",
               "--workers", str(workers), "--timeout", "30", "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, cwd=c.ROOT, env=env, start_new_session=True)
        self.base = f"http://{HOST}:{PORT}"
        import requests

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)

    def workers(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000, help="lines of the memory figure's file (0: skip)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--max-wait", type=float, default=600.0)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    import requests

    url = c.db_recreate(DB)
    env = c.bench_env(url, Q_WORKERS=2, ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="false")
    c.migrate(env)
    c.django_setup(env)
    from django.conf import settings

    from messaging.api.keys import api_key_create
    from messaging.audience.contacts_import import contacts_import

    _, key = api_key_create(name="bench", scopes=["contacts"])
    headers = {"X-Api-Key": key, "Content-Type": "text/csv"}
    existing = args.rows // 10
    for i in range(0, existing, 5000):
        contacts_import(data=csv_bytes(min(existing, i + 5000), i))
    data = csv_bytes(args.rows)
    print(f"{c.load_note()}; CONTACT_IMPORT_SYNC_ROWS {settings.CONTACT_IMPORT_SYNC_ROWS:,}, "
          f"CONTACT_IMPORT_MAX_BYTES {settings.CONTACT_IMPORT_MAX_BYTES:,}; gunicorn {args.web_workers} sync workers")
    clusters, web = c.Clusters(1, env), Web(env, args.web_workers)
    try:
        # 1. 100,000 rows through the API, on a worker.
        probe = Healthz(web.base)
        probe.start()
        t0 = time.perf_counter()
        r = requests.post(f"{web.base}/api/v1/contacts/import/", data=data, headers=headers, timeout=120)
        answered = time.perf_counter() - t0
        run_id = r.json()["import"]
        while True:
            run = requests.get(f"{web.base}/api/v1/imports/{run_id}/", headers=headers, timeout=30).json()
            if run["status"] in ("done", "failed") or time.perf_counter() - t0 > args.max_wait:
                break
            time.sleep(0.5)
        took = time.perf_counter() - t0
        print(f"1. {args.rows:,} rows ({len(data) / 1e6:.1f} MB, {existing:,} already contacts): {r.status_code} in "
              f"{answered:.2f} s; {run['status']} {took:.1f} s after the POST (created {run['created']:,}, "
              f"updated {run['updated']:,}, {run['done_rows'] / took:,.0f} rows/s); {probe.summary()}; "
              f"{c.load_note()}")
        errors = clusters.errors()
        if errors:
            print("   worker errors:", *errors[:5], sep="\n     ")
        clusters.stop()
        clusters = None

        # 2. The web worker's memory for a 1,000,000-line file.
        if args.million:
            web.stop()
            web = Web(env, args.web_workers)
            for _ in range(4 * args.web_workers):  # every worker loads the API and the import code
                requests.post(f"{web.base}/api/v1/contacts/import/", data=csv_bytes(20), headers=headers, timeout=30)
            idle = {pid: memory_kb(pid, "VmRSS") for pid in web.workers()}
            big = million_bytes(args.million)
            probe = Healthz(web.base)
            probe.start()
            t0 = time.perf_counter()
            r = requests.post(f"{web.base}/api/v1/contacts/import/", data=big, headers=headers, timeout=120)
            answered = time.perf_counter() - t0
            grown = {pid: memory_kb(pid, "VmHWM") - kb for pid, kb in idle.items()}
            print(f"2. {args.million:,} lines ({len(big) / 1e6:.1f} MB): {r.status_code} {r.json()} in "
                  f"{answered:.1f} s; "
                  f"web workers' peak RSS above idle: {', '.join(f'{v / 1024:.1f} MB' for v in grown.values())} "
                  f"(idle {', '.join(f'{v / 1024:.0f} MB' for v in idle.values())}); {probe.summary()}")

        # 3. Over the limit.
        over = b"x" * (settings.CONTACT_IMPORT_MAX_BYTES + 1)
        t0 = time.perf_counter()
        try:
            r = requests.post(f"{web.base}/api/v1/contacts/import/", data=over, headers=headers, timeout=60)
            print(f"3. {len(over) / 1e6:.1f} MB: {r.status_code} in {time.perf_counter() - t0:.2f} s")
        except requests.RequestException as exc:
            print(f"3. {len(over) / 1e6:.1f} MB: no answer read ({exc}) after {time.perf_counter() - t0:.2f} s")
    finally:
        if clusters:
            clusters.stop()
        web.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            c.db_drop(DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
