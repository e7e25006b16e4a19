"""Erase one person with 10,000 messages from a 10,000,000-message log and a year of archive files.

    python bench/erase.py                                   # 10,000,000 messages, 1,000,000 archived rows
    python bench/erase.py --messages 1000000 --archive-rows 100000   # to iterate

Creates PostgreSQL database ``bench_erase`` (dropped at the end unless ``--keep``) and seeds, by
SQL, a year of messages to 200,000 numbers and addresses, half of them with a delivery event,
among them ``--person`` messages to the person (SMS, WhatsApp and email) with their events and
stored SNS bodies, 1,000 texts from them, and their conversation. The archive folder gets one
file per day of the year per table (messages, events), ``--archive-rows`` rows in all, the
person's among them at the same share as in the log. Then it erases the person
(``contact_erase``, the API's and the admin's path) while a second connection keeps writing
other people's rows (an UPDATE and an INSERT every 20 ms) and prints: the erasure's seconds in
the database and in the archive, what it removed, and the slowest of the other writer's
statements, which is how long anything else waited on the erasure.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import bench_env, db_drop, db_recreate, django_setup, migrate, percentile  # noqa: E402

DB = os.environ.get("ERASE_BENCH_DB", "bench_erase")
PHONE, WHATSAPP, EMAIL = "+12069990001", "+12069990002", "erin.person@example.com"

SEED_SQL = """
INSERT INTO messaging_outboundmessage (channel, sender, recipient, subject, body, options, status,
    provider_message_id, provider_alt_id, error_code, error, parts, price, attempts, created_at, updated_at)
SELECT ch, '+18005550100',
       CASE WHEN g % {share} = 0 THEN (CASE ch WHEN 'email' THEN '{email}' WHEN 'whatsapp' THEN '{whatsapp}'
                                       ELSE '{phone}' END)
            WHEN ch = 'email' THEN 'user' || (g % 200000) || '@example.com'
            ELSE '+1206' || lpad((g % 200000)::text, 7, '0') END,
       CASE WHEN ch = 'email' THEN 'Rota' ELSE '' END,
       'Message ' || g || ': your shift starts at 08:00. Reply STOP to opt out.', '{{}}'::jsonb, 'delivered',
       'pm-' || g, '', '', '', 1, 0.00581, 1, t, t
FROM (SELECT g, %(start)s::timestamptz + interval '365 days' * (g::float8 / {messages}) AS t,
             (ARRAY['sms','sms','sms','sms','sms','sms','email','email','whatsapp','sms'])[1 + (g / 7) % 10] AS ch
      FROM generate_series(1, {messages}) g) s;

INSERT INTO messaging_snsnotification (message_id, type, topic_arn, subject, raw, kind, status, error,
    subscribe_url, received_at)
SELECT 'sns-' || m.id, 'Notification', '', '', jsonb_build_object('destinationPhoneNumber', m.recipient),
       'sms_event', 'processed', '', '', m.created_at
FROM messaging_outboundmessage m WHERE m.recipient IN ('{phone}', '{whatsapp}', '{email}');

INSERT INTO messaging_deliveryevent (channel, provider_message_id, event_type, provider_event, permanent,
    description, recipient, parts, price, occurred_at, raw, created_at, message_id, notification_id)
SELECT m.channel, m.provider_message_id, 'delivered', 'TEXT_DELIVERED', NULL, '', m.recipient, 1, 0.00581,
       m.created_at, '{{}}'::jsonb, m.created_at, m.id, n.id
FROM messaging_outboundmessage m LEFT JOIN messaging_snsnotification n ON n.message_id = 'sns-' || m.id
WHERE m.id % 2 = 0 OR n.id IS NOT NULL;

INSERT INTO messaging_inboundsms (inbound_message_id, origination_number, destination_number, keyword, body,
    previous_published_message_id, raw, status, handled_by, outcome, reply, error, channel, received_at)
SELECT 'in-' || g, '{phone}', '+18005550100', 'YES', 'YES', '', '{{}}'::jsonb, 'handled', '', '', '', '', 'sms',
       %(start)s::timestamptz + interval '365 days' * (g::float8 / 1000)
FROM generate_series(1, 1000) g;
"""

ARCHIVE_TABLES = ("outboundmessage", "deliveryevent")


def seed(messages: int, person: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from messaging.models import Contact, Conversation

    start = timezone.now() - timedelta(days=366)
    sql = SEED_SQL.format(messages=messages, share=max(messages // person, 1), phone=PHONE, whatsapp=WHATSAPP,
                          email=EMAIL).replace(" % ", " %% ")
    with connection.cursor() as cur:
        for statement in sql.split(";\n"):
            if statement.strip():
                t0 = time.monotonic()
                cur.execute(statement, {"start": start})
                print(f"  {statement.split()[2]:32s} {cur.rowcount:>11,} rows  {time.monotonic() - t0:6.1f} s",
                      flush=True)
        cur.execute("VACUUM ANALYZE")
    Contact.objects.create(name="Erin Person", phone=PHONE, whatsapp=WHATSAPP, email=EMAIL)
    Conversation.objects.create(phone=PHONE, last_body="YES")


def archive_seed(folder: Path, rows: int) -> int:
    """A year of archive files: one per day per table, the person in the same share as the log."""
    from django.utils import timezone

    from messaging.history.archive.store import rows_encode
    from messaging.models import ArchivedDay

    per_day = max(rows // (365 * len(ARCHIVE_TABLES)), 1)
    first_day = timezone.localdate() - timedelta(days=400)
    pk = 10**9
    for d in range(365):
        day = first_day + timedelta(days=d)
        for table in ARCHIVE_TABLES:
            batch = []
            for _ in range(per_day):
                pk += 1
                who = PHONE if pk % 1000 == 0 else f"+1425{pk % 10_000_000:07d}"
                batch.append({"id": pk, "channel": "sms", "recipient": who, "status": "delivered",
                              "body": f"Archived message {pk}: your shift starts at 08:00.",
                              "created_at": f"{day.isoformat()}T12:00:00+00:00"})
            path = folder / table / day.isoformat() / f"{batch[0]['id']:012d}.jsonl.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(rows_encode(batch))
        ArchivedDay.objects.create(day=day)
    return per_day * 365 * len(ARCHIVE_TABLES)


class OtherWriter(threading.Thread):
    """Everybody else: an UPDATE of another person's message and an INSERT, every 20 ms."""

    def __init__(self, url: str, max_id: int):
        super().__init__(daemon=True)
        self.url, self.max_id, self.stop, self.latencies = url, max_id, threading.Event(), []

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                t0 = time.monotonic()
                conn.execute("UPDATE messaging_outboundmessage SET updated_at = now() WHERE id = %s "
                             "AND recipient <> %s", [random.randint(1, self.max_id), PHONE])
                conn.execute("INSERT INTO messaging_outboundmessage (channel, sender, recipient, subject, body, "
                             "options, status, provider_message_id, provider_alt_id, error_code, error, parts, "
                             "attempts, created_at, updated_at) VALUES ('sms', '', '+12065551234', '', 'x', '{}', "
                             "'queued', '', '', '', '', 1, 0, now(), now())")
                self.latencies.append(time.monotonic() - t0)
                time.sleep(0.02)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--person", type=int, default=10_000, help="messages to the person erased")
    parser.add_argument("--archive-rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-erase-"))
    url = db_recreate(DB)
    env = bench_env(url, ARCHIVE_DIR=str(folder), ARCHIVE_S3_BUCKET="", ARCHIVE_S3_PREFIX="")
    try:
        migrate(env)
        django_setup(env)
        from messaging.erasure.services import contact_erase
        from messaging.models import Contact, OutboundMessage

        print(f"load before: {uptime()}", flush=True)
        print(f"seeding {args.messages:,} messages, {args.person:,} of them to the person …", flush=True)
        seed(args.messages, args.person)
        t0 = time.monotonic()
        archived_rows = archive_seed(folder, args.archive_rows)
        size = sum(p.stat().st_size for p in folder.rglob("*.gz"))
        print(f"archive: {archived_rows:,} rows in {sum(1 for _ in folder.rglob('*.gz')):,} files, "
              f"{size / 1e6:,.1f} MB, written in {time.monotonic() - t0:.1f} s", flush=True)
        theirs = OutboundMessage.objects.filter(recipient__in=[PHONE, WHATSAPP, EMAIL]).count()
        print(f"messages to the person: {theirs:,}", flush=True)

        writer = OtherWriter(url, args.messages)
        writer.start()
        time.sleep(1)
        receipt = contact_erase(contact_id=Contact.objects.get(phone=PHONE).pk, requested_by="bench")
        time.sleep(1)
        writer.stop.set()
        writer.join()
        lat = sorted(writer.latencies)
        left = OutboundMessage.objects.filter(recipient__in=[PHONE, WHATSAPP, EMAIL]).count()
        print(f"erased: {receipt.counts}; archive files rewritten: {receipt.archive_files}")
        print(f"database: {receipt.seconds - receipt.archive_seconds:.2f} s   archive: {receipt.archive_seconds:.2f} s"
              f"   total: {receipt.seconds:.2f} s   (messages to the person left: {left})")
        print(f"other writer meanwhile: {len(lat)} UPDATE+INSERT pairs, p50 {percentile(lat, 50) * 1000:.1f} ms, "
              f"p99 {percentile(lat, 99) * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms")
        print(f"load after: {uptime()}", flush=True)
    finally:
        if not args.keep:
            db_drop(DB)
        subprocess.run(["rm", "-rf", str(folder)], check=False)


if __name__ == "__main__":
    main()
