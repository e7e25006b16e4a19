"""Archive and delete one day of a million messages with their events, then restore it.

    python bench/archive.py                      # 1,000,000 messages
    python bench/archive.py --messages 100000    # to iterate
    python bench/archive.py --batch 2000         # ARCHIVE_BATCH_SIZE for this run

Creates PostgreSQL database ``bench_archive`` (dropped again at the end unless ``--keep``) and
seeds, by SQL, one day 40 days back: the messages on every channel and status, a delivery event
for each delivered or failed one and a "sent" event for every other one, 1% of them as
omnichannel dispatch attempts, and an incident timeline entry pointing at every 100th message
(kept as links). Then it archives the day to a local folder (``manage.py archive_messages``'s
code path: the day's rollup, then batches written, read back and deleted), restores it
(``restore_archive``'s path), and prints rows per second both ways, and how many rows of every
table touched differ from before (by an md5 of each whole row, taken before and after).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import bench_env, db_drop, db_recreate, django_setup, migrate  # noqa: E402

DB = os.environ.get("ARCHIVE_BENCH_DB", "bench_archive")
DAYS_AGO = 40

SEED_SQL = """
INSERT INTO messaging_outboundmessage (channel, sender, recipient, subject, body, options, status,
    provider_message_id, provider_alt_id, error_code, error, parts, price, attempts, created_at, sent_at,
    delivered_at, failed_at, updated_at)
SELECT ch, '+18005550100',
       CASE WHEN ch = 'email' THEN 'user' || (g % 200000) || '@example.com'
            ELSE '+1206' || lpad((g % 200000)::text, 7, '0') END,
       CASE WHEN ch = 'email' THEN 'Rota' ELSE '' END,
       'Message ' || g || ': your shift starts at 08:00. Reply STOP to opt out.', '{{"n": 1}}'::jsonb, st,
       'pm-' || g, '', CASE WHEN st = 'failed' THEN 'UNREACHABLE' ELSE '' END, '', 1, 0.00581, 1,
       t, t + interval '1 second', CASE WHEN st = 'delivered' THEN t + interval '4 seconds' END,
       CASE WHEN st = 'failed' THEN t + interval '9 seconds' END, t + interval '5 seconds'
FROM (SELECT g, %(start)s::timestamptz + interval '86399 seconds' * (g::float8 / {messages}) AS t,
             (ARRAY['sms','sms','sms','sms','sms','sms','email','email','whatsapp','voice'])[1 + g % 10] AS ch,
             (ARRAY['delivered','delivered','delivered','delivered','delivered','delivered','delivered',
                    'delivered','delivered','delivered','delivered','delivered','delivered','delivered',
                    'delivered','delivered','sent','failed','queued','suppressed'])[1 + (g / 10) % 20] AS st
      FROM generate_series(1, {messages}) g) s;

INSERT INTO messaging_deliveryevent (channel, provider_message_id, event_type, provider_event, permanent,
    description, recipient, parts, price, occurred_at, raw, created_at, message_id)
SELECT m.channel, m.provider_message_id, CASE WHEN m.status = 'failed' THEN 'failed' ELSE 'delivered' END,
       CASE WHEN m.status = 'failed' THEN 'TEXT_UNREACHABLE' ELSE 'TEXT_DELIVERED' END, NULL, '', m.recipient, 1,
       0.00581, m.created_at + interval '4 seconds', '{{"bench": true}}'::jsonb, m.created_at + interval '4 seconds',
       m.id
FROM messaging_outboundmessage m WHERE m.status IN ('delivered', 'failed');

INSERT INTO messaging_deliveryevent (channel, provider_message_id, event_type, provider_event, permanent,
    description, recipient, parts, price, occurred_at, raw, created_at, message_id)
SELECT m.channel, m.provider_message_id, 'sent', 'TEXT_SUCCESSFUL', NULL, '', m.recipient, 1, NULL,
       m.created_at + interval '1 second', '{{"bench": true}}'::jsonb, m.created_at + interval '1 second', m.id
FROM messaging_outboundmessage m WHERE m.id % 2 = 0;

INSERT INTO messaging_dispatch (use_case, fallback_seconds, fallback_state, fallback_reason, "primary", fallback,
    request, idempotency_key, idempotency_fingerprint, created_at, updated_at)
SELECT 'broadcast', NULL, 'none', '', '{{}}'::jsonb, '{{}}'::jsonb, '{{}}'::jsonb, NULL, '', m.created_at, m.created_at
FROM messaging_outboundmessage m WHERE m.id % 100 = 1;

INSERT INTO messaging_dispatchattempt (dispatch_id, role, message_id, created_at)
SELECT d.id, 'primary', m.id, m.created_at
FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM messaging_dispatch) d
JOIN (SELECT id, created_at, row_number() OVER (ORDER BY id) AS r FROM messaging_outboundmessage
      WHERE id % 100 = 1) m ON m.r = d.r;

INSERT INTO incidents_incident (description, url, status, snapshot, step, level, round, reminders_sent,
    resolved_by, created_by, created_at, level_oncall)
SELECT 'Incident ' || g, '', 'resolved', '{{}}'::jsonb, 0, 1, 1, 0, 'bench', 'bench', %(start)s::timestamptz,
       '[]'::jsonb
FROM generate_series(1, {incidents}) g;

INSERT INTO incidents_incidentevent (kind, at, level, round, note, incident_id, message_id)
SELECT 'notified', m.created_at, 1, 1, '', i.id, m.id
FROM (SELECT id, created_at, row_number() OVER (ORDER BY id) AS r FROM messaging_outboundmessage
      WHERE id % 100 = 50) m
JOIN (SELECT id, row_number() OVER (ORDER BY id) AS r FROM incidents_incident) i ON i.r = 1 + m.r % {incidents};
"""

TABLES = ["messaging_outboundmessage", "messaging_deliveryevent", "messaging_dispatchattempt",
          "messaging_dispatch", "incidents_incidentevent"]


def seed(n: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from messaging.history.rollups import day_bounds

    start = day_bounds(timezone.localdate() - timedelta(days=DAYS_AGO))[0]
    with connection.cursor() as cur:
        sql = SEED_SQL.format(messages=n, incidents=max(n // 10_000, 1)).replace(" % ", " %% ")  # a parameter query
        for statement in sql.split(";\n"):
            if statement.strip():
                t0 = time.monotonic()
                cur.execute(statement, {"start": start})
                print(f"  {statement.split()[2]:32s} {cur.rowcount:>10,} rows  {time.monotonic() - t0:6.1f} s",
                      flush=True)
        cur.execute("VACUUM ANALYZE")


def fingerprint(label: str) -> None:
    """Keep (id, md5 of the whole row) of every table touched, to diff against later."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"DROP TABLE IF EXISTS bench_{label}_{table}")
            cur.execute(f"CREATE TABLE bench_{label}_{table} AS SELECT id, md5(t::text) AS h FROM {table} t")


def row_diff() -> dict[str, int]:
    """Rows of each table that are not exactly as they were: missing, extra, or changed."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM bench_before_{table} b FULL JOIN bench_after_{table} a "
                        f"ON a.id = b.id WHERE a.h IS DISTINCT FROM b.h")
            out[table] = cur.fetchone()[0]
    return out


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        out = {}
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
        return out


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=None, help="ARCHIVE_BATCH_SIZE (default: the setting's)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-archive-")
    env = bench_env(db_recreate(DB), ARCHIVE_DIR=folder, ARCHIVE_S3_BUCKET="", ARCHIVE_BATCH_SIZE=args.batch)
    try:
        migrate(env)
        django_setup(env)
        from django.conf import settings
        from django.utils import timezone

        from messaging.history.archive import archive_restore, messages_archive

        print(f"load before: {uptime()}", flush=True)
        print(f"seeding {args.messages:,} messages …", flush=True)
        seed(args.messages)
        fingerprint("before")
        seeded = counts()
        day = timezone.localdate() - timedelta(days=DAYS_AGO)

        t0 = time.monotonic()
        archived = messages_archive(before=day + timedelta(days=1))
        archive_s = time.monotonic() - t0
        left = counts()
        t0 = time.monotonic()
        restored = archive_restore(day=day)
        restore_s = time.monotonic() - t0
        fingerprint("after")
        diff = row_diff()

        size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
        rows_out = sum(archived.values())
        rows_in = sum(n for name, n in restored.items() if name != "links" and "skipped" not in name)
        print(f"batch size: {settings.ARCHIVE_BATCH_SIZE}; seeded: {seeded}")
        print(f"archived: {archived}; left after archiving: {left}")
        print(f"restored: {restored}")
        print(f"archive files: {size / 1e6:,.1f} MB")
        print(f"archive + delete: {rows_out:,} rows in {archive_s:,.1f} s = {rows_out / archive_s:,.0f} rows/s")
        print(f"restore:          {rows_in:,} rows in {restore_s:,.1f} s = {rows_in / restore_s:,.0f} rows/s")
        print(f"rows that differ from before: {diff} (total {sum(diff.values())})")
        print(f"load after: {uptime()}", flush=True)
    finally:
        if not args.keep:
            db_drop(DB)
        subprocess.run(["rm", "-rf", folder], check=False)


if __name__ == "__main__":
    main()
