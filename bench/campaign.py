"""Benchmark: a shift campaign to 100,000 contacts, delivered by two qcluster processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/campaign.py

Creates (drops first) its own PostgreSQL database ``portal_bench_campaign`` on the server
named by DATABASE_URL, migrates it, adds the contacts, starts two ``manage.py qcluster``
processes with the simulator (SIMULATOR_AUTO_DELIVER=false, no rate limit), then presses
"send" (shifts.services.campaign_send) and waits until every message has been handed to the
transport (status ``sent``). Prints the time from "send" to the last ``sent`` and messages per
second. Loopback only; bounded by --timeout. See docs/benchmarks.md ("Campaign send").
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "portal_bench_campaign"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--contacts", type=int, default=100_000)
    p.add_argument("--clusters", type=int, default=2, help="qcluster processes")
    p.add_argument("--workers", type=int, default=2, help="workers per qcluster")
    p.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return p.parse_args()


def bench_database_url() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    parsed = urlparse(base)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("bench/campaign.py runs on PostgreSQL: set DATABASE_URL=postgres://…")
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("bench/campaign.py only runs against a loopback PostgreSQL server")
    admin = urlunparse(parsed._replace(path="/postgres"))
    return urlunparse(parsed._replace(path=f"/{BENCH_DB}")), admin


def recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def main() -> int:
    args = parse_args()
    url, admin_url = bench_database_url()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings",
           "SIMULATOR_AUTO_DELIVER": "false", "SMS_RATE_LIMIT": "0", "TASKS_EAGER": "false",
           "Q_WORKERS": str(args.workers), "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    env.pop("TEST_DATABASE_NAME", None)
    os.environ.update(env)

    print(f"database {BENCH_DB}: recreating and migrating …", flush=True)
    recreate_database(admin_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)

    from messaging.models import Contact, MessageStatus, OutboundMessage, Tag
    from shifts import services

    t = time.perf_counter()
    tag = Tag.objects.create(name="bench-overtime")
    contacts = [Contact(name=f"Bench {i}", phone=f"+1555{i:07d}") for i in range(args.contacts)]
    Contact.objects.bulk_create(contacts, batch_size=5000)
    through = Contact.tags.through
    ids = Contact.objects.values_list("pk", flat=True)
    through.objects.bulk_create([through(contact_id=pk, tag_id=tag.pk) for pk in ids], batch_size=5000)
    services.shift_create(code="XYZ1234", info="Warehouse picker, overtime rate")
    print(f"{args.contacts} contacts created in {time.perf_counter() - t:.1f} s", flush=True)
    campaign = services.campaign_create(name="Benchmark", tag=tag)
    connection.close()

    logs = [tempfile.TemporaryFile() for _ in range(args.clusters)]
    procs = [subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
             for log in logs]
    try:
        time.sleep(3)  # cluster start-up
        for p in procs:
            if p.poll() is not None:
                logs[procs.index(p)].seek(0)
                sys.exit(f"qcluster exited early:\n{logs[procs.index(p)].read().decode()}")
        print(f"{args.clusters} qcluster processes × {args.workers} workers up; sending …", flush=True)

        t0 = time.perf_counter()
        with transaction.atomic():
            recipients = services.campaign_send(campaign_id=campaign.pk)
        t_logged = time.perf_counter() - t0
        print(f"send: {recipients} messages logged and queued in {t_logged:.2f} s", flush=True)

        rows = OutboundMessage.objects.filter(owner_id=campaign.pk)
        deadline = t0 + args.timeout
        last = -1
        while time.perf_counter() < deadline:
            queued = rows.filter(status=MessageStatus.QUEUED).count()
            if queued != last:
                print(f"  {time.perf_counter() - t0:6.1f} s: {recipients - queued} sent", flush=True)
                last = queued
            if queued == 0:
                break
            time.sleep(0.25)
        elapsed = time.perf_counter() - t0
        sent = rows.filter(status=MessageStatus.SENT).count()
        if sent != recipients:
            print(f"TIMEOUT: {sent} of {recipients} sent after {elapsed:.1f} s", flush=True)
            return 1
        # The true finish is the last row's sent_at, not the poll that noticed it.
        from django.db.models import Max, Min

        span = rows.aggregate(first=Min("sent_at"), last=Max("sent_at"))
        print(f"\nall {sent} messages sent {elapsed:.1f} s after 'send' "
              f"({sent / elapsed:,.0f} msg/s end to end; "
              f"first to last hand-over {(span['last'] - span['first']).total_seconds():.1f} s)")
        connection.close()
        return 0
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(admin_url)


if __name__ == "__main__":
    sys.exit(main())
