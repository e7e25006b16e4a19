"""Contacts from CSV at scale: 100,000 rows through the admin's import run, on real qcluster workers.

    .venv/bin/python bench/import.py                    # 100,000 rows, 10% of them already contacts
    .venv/bin/python bench/import.py --rows 10000 --api # a quick run, through the API's service

Creates its own database (portal_bench_import), migrates it, writes the CSV (name, phone, email,
tags), then times what a shift manager waits for: the check and preview (``import_run_check``,
in this process, as the admin's request runs it), and, after "Import now", the worker's bulk
write, sampling the run's progress row as the admin page does. ``--api`` instead times
``POST /api/v1/contacts/import/``'s service (``contacts_import``) in this process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_import"


def csv_bytes(rows: int) -> bytes:
    lines = ["name,phone,email,tags"]
    for i in range(rows):
        lines.append(f"Employee {i},+447911{i:06d},e{i}@example.com,overtime;site-{i % 20}")
    return ("\n".join(lines) + "\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=float, default=0.1, help="share of rows that are already contacts")
    parser.add_argument("--api", action="store_true", help="time the API's service instead of the admin run")
    parser.add_argument("--max-wait", type=float, default=300.0)
    c.add_cluster_args(parser)
    args = parser.parse_args()

    url = c.db_recreate(DB)
    env = c.bench_env(url, Q_WORKERS=args.workers or 1, Q_POLL=args.poll)
    c.migrate(env)
    c.django_setup(env)
    from messaging.audience.contacts_import import contacts_import
    from messaging.audience.imports import import_run_check, import_run_confirm
    from messaging.models import Contact, ImportKind, ImportRun, ImportStatus

    data = csv_bytes(args.rows)
    existing = int(args.rows * args.existing)
    if existing:
        contacts_import(data=csv_bytes(existing))
    print(f"{args.rows:,} rows ({len(data) / 1e6:.1f} MB), {existing:,} already contacts; {c.load_note()}")
    clusters = None
    try:
        if args.api:
            t0 = time.perf_counter()
            result = contacts_import(data=data)
            took = time.perf_counter() - t0
            print(f"api service: created {result.created:,} updated {result.updated:,} in {took:.1f} s")
        else:
            clusters = c.Clusters(1, env)
            t0 = time.perf_counter()
            run = import_run_check(kind=ImportKind.CONTACTS, data=data, name="bench.csv")
            checked = time.perf_counter() - t0
            print(f"check and preview: {checked:.1f} s ({run.status}, {run.options.get('would_create'):,} new)")
            t1 = time.perf_counter()
            import_run_confirm(run=run)
            samples = []
            while True:
                run.refresh_from_db()
                samples.append((time.perf_counter() - t1, run.status, run.done))
                if run.status in (ImportStatus.DONE, ImportStatus.FAILED):
                    break
                if time.perf_counter() - t1 > args.max_wait:
                    print(f"gave up after {args.max_wait:.0f} s: the run is {run.status}, {run.done:,} done")
                    break
                time.sleep(0.5)
            written = time.perf_counter() - t1
            shown = sorted({d for _, s, d in samples if s == ImportStatus.RUNNING and 0 < d < run.total})
            print(f"write on the worker: {written:.1f} s ({run.status}: created {run.created:,} "
                  f"updated {run.updated:,}); progress seen at {len(shown)} step(s), e.g. "
                  f"{', '.join(f'{d:,}' for d in shown[:: max(1, len(shown) // 5)])}")
            print(f"total (check + write): {checked + written:.1f} s")
            errors = clusters.errors()
            if errors:
                print("worker errors:", *errors[:5], sep="\n  ")
        print(f"contacts now: {Contact.objects.count():,}; runs: {ImportRun.objects.count()}")
    finally:
        if clusters:
            clusters.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            c.db_drop(DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
