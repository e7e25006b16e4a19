"""A year of history, and how fast the analyst's pages are on it.

    python bench/history.py                 # 10,000,000 messages (seeds once, then reuses)
    python bench/history.py --scale 0.1     # 1,000,000, to iterate
    python bench/history.py --reseed        # drop and seed again

Seeds PostgreSQL database ``history_bench`` by SQL (generate_series; minutes, not hours) with,
at scale 1: 10M messages over a year on every channel and status, 6M delivery events, 1M
inbound SMS, 100k incidents with four timeline entries each, 20k shifts and 100k timers. Then
it starts gunicorn on the repository's code (port 8151), logs in as a superuser, and prints the
median of 5 timed requests per page, with the page's query count (counted in-process by
Django's test client, so "no page's query count grows with the table" can be read off two
scales). Last it checks that a delivery-status update of a message is still a HOT update.

Run the same script from a checkout of ``main`` for the "before" figures: it only uses the URLs
and tables both have.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT, bench_env, django_setup, migrate  # noqa: E402

DB = os.environ.get("HISTORY_BENCH_DB", "history_bench")
PORT = int(os.environ.get("HISTORY_BENCH_PORT", "8151"))
USER, PASSWORD = "bench", "bench-pw-12345"

SEED_SQL = """
INSERT INTO messaging_outboundmessage (channel, sender, recipient, subject, body, options, status,
    provider_message_id, provider_alt_id, error_code, error, parts, price, attempts, created_at, sent_at,
    delivered_at, failed_at, updated_at)
SELECT ch, '+18005550100',
       CASE WHEN ch = 'email' THEN 'user' || (g % 200000) || '@example.com'
            ELSE '+1206' || lpad((g % 200000)::text, 7, '0') END,
       CASE WHEN ch = 'email' THEN 'Rota' ELSE '' END,
       'Message ' || g || ': your shift starts at 08:00. Reply STOP to opt out.', '{{}}'::jsonb, st,
       'pm-' || g, '', CASE WHEN st = 'failed' THEN 'UNREACHABLE' ELSE '' END, '', 1, 0.00581, 1,
       t, t + interval '1 second', CASE WHEN st = 'delivered' THEN t + interval '4 seconds' END,
       CASE WHEN st = 'failed' THEN t + interval '9 seconds' END, t
FROM (SELECT g, now() - interval '365 days' * (1 - g::float8 / {messages}) AS t,
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
FROM messaging_outboundmessage m WHERE m.status IN ('delivered', 'failed') AND m.id % 100 < {event_pct};

INSERT INTO messaging_inboundsms (inbound_message_id, origination_number, destination_number, keyword, body,
    previous_published_message_id, raw, status, handled_by, outcome, reply, error, received_at, channel)
SELECT 'in-' || g, '+1206' || lpad((g % 200000)::text, 7, '0'), '+18005550100', '',
       (ARRAY['YES', 'NO', 'REQUEST', 'XYZ1234', 'STOP'])[1 + g % 5], 'pm-' || (g * 10), '{{}}'::jsonb,
       'handled', 'bench', '', '', '', now() - interval '365 days' * (1 - g::float8 / {inbound}), 'sms'
FROM generate_series(1, {inbound}) g;

INSERT INTO incidents_incident (description, url, status, snapshot, step, level, round, reminders_sent,
    acknowledged_at, resolved_by, resolved_at, created_by, created_at, level_oncall)
SELECT 'Incident ' || g || ': gas smell reported', '',
       (ARRAY['resolved','resolved','resolved','resolved','resolved','resolved','acknowledged',
              'unacknowledged','resolved','not_acknowledged'])[1 + g % 10],
       '{{}}'::jsonb, 0, 1 + (g % 4 = 0)::int, 1, 0,
       CASE WHEN g % 10 NOT IN (7, 9) THEN t + interval '90 seconds' END, 'bench',
       CASE WHEN g % 10 NOT IN (6, 7, 9) THEN t + interval '1 hour' END, 'bench', t, '[]'::jsonb
FROM (SELECT g, now() - interval '365 days' * (1 - g::float8 / {incidents}) AS t
      FROM generate_series(1, {incidents}) g) s;

INSERT INTO incidents_incidentevent (kind, at, level, round, note, incident_id)
SELECT (ARRAY['notified', 'reminded', 'acknowledged', 'resolved'])[k], i.created_at + k * interval '30 seconds',
       1, 1, '', i.id
FROM incidents_incident i CROSS JOIN generate_series(1, 4) k;

INSERT INTO shifts_shift (code, info, starts_at, ends_at, time_zone, location, status, booked_phone,
    booked_at, notify_channel, created_at, updated_at)
SELECT 'B' || g, 'Warehouse picker, overtime rate', t + interval '2 days', t + interval '2 days 8 hours', '',
       'Dock 3', CASE WHEN g % 5 = 0 THEN 'expired' ELSE 'taken' END,
       CASE WHEN g % 5 = 0 THEN '' ELSE '+1206' || lpad((g % 200000)::text, 7, '0') END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE t + interval '20 minutes' END, '', t, t
FROM (SELECT g, now() - interval '365 days' * (1 - g::float8 / {shifts}) AS t
      FROM generate_series(1, {shifts}) g) s;

INSERT INTO messaging_timer (label, callback, kwargs, due_at, state, created_at, fired_at, attempts, error)
SELECT 'reminder', 'incidents.tasks.incident_step', '{{}}'::jsonb, t, 'fired', t, t + interval '0.2 seconds', 1, ''
FROM (SELECT now() - interval '365 days' * (1 - g::float8 / {timers}) AS t
      FROM generate_series(1, {timers}) g) s;
"""


def seed(scale: float) -> None:
    from django.db import connection

    n = {"messages": int(10_000_000 * scale), "inbound": int(1_000_000 * scale),
         "incidents": int(100_000 * scale), "shifts": int(20_000 * scale), "timers": int(100_000 * scale),
         # 6M events of 10M messages: 60 of every 100 messages have one (of those delivered or failed, 85%)
         "event_pct": 71}
    started = time.monotonic()
    with connection.cursor() as cur:
        for statement in SEED_SQL.format(**n).split(";\n"):
            if statement.strip():
                t0 = time.monotonic()
                cur.execute(statement)
                print(f"  {statement.split()[2]:32s} {cur.rowcount:>10,} rows  {time.monotonic() - t0:6.1f} s",
                      flush=True)
    connection.commit() if not connection.get_autocommit() else None
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)


PAGES = [
    # The admin home: open incidents, firing alert groups, on call now, failed sends of the last hour.
    ("admin home", "/admin/"),
    ("message log", "/admin/messaging/outboundmessage/"),
    ("message log, status=failed", "/admin/messaging/outboundmessage/?status__exact=failed"),
    ("message log, channel=email", "/admin/messaging/outboundmessage/?channel__exact=email"),
    ("message log, last 7 days", "/admin/messaging/outboundmessage/?created_at__gte={week_ago}"),
    ("message log, owner type", "/admin/messaging/outboundmessage/?owner=incidents.incident"),
    ("message log, search by phone", "/admin/messaging/outboundmessage/?q=%2B12060012345"),
    ("delivery events", "/admin/messaging/deliveryevent/"),
    ("inbound SMS", "/admin/messaging/inboundsms/"),
    ("incidents", "/admin/incidents/incident/"),
    ("timers", "/admin/messaging/timer/"),
    ("report, 7 days", "/admin/report/?days=7"),
    ("report, 30 days", "/admin/report/?days=30"),
    ("report, 90 days", "/admin/report/?days=90"),
    ("report, 365 days", "/admin/report/?days=365"),
    ("API message log by recipient", "/api/v1/message-log/?recipient=%2B12060012345"),
    # Conversations (issue 20): the inbox, and one number's thread (50 messages out, 5 in).
    ("conversations inbox", "/admin/messaging/conversation/"),
    ("conversations needing a reply", "/admin/messaging/conversation/?needs_reply__exact=1"),
    ("conversation thread", "/admin/messaging/conversation/{conversation}/change/"),
    ("API conversations", "/api/v1/conversations/"),
    ("API conversations, needs_reply", "/api/v1/conversations/?needs_reply=true"),
    ("API conversation thread", "/api/v1/conversations/%2B12060012345/"),
]


def pages() -> list[tuple[str, str]]:
    from datetime import timedelta

    from django.utils import timezone

    from messaging.models import Conversation

    week_ago = (timezone.now() - timedelta(days=7)).date().isoformat()
    conversation = Conversation.objects.filter(phone="+12060012345").values_list("pk", flat=True).first()
    return [(name, url.format(week_ago=week_ago, conversation=conversation)) for name, url in PAGES]


def query_counts(api_key: str) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_API_KEY=api_key)
    client.force_login(get_user_model().objects.get(username=USER))
    counts = {}
    for name, url in pages():
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        counts[name] = len(ctx) if status == 200 else -status
    return counts


def time_pages(api_key: str) -> dict[str, float]:
    import requests

    s = requests.Session()
    base = f"http://127.0.0.1:{PORT}"
    s.get(f"{base}/admin/login/")
    r = s.post(f"{base}/admin/login/?next=/admin/", data={"username": USER, "password": PASSWORD,
                                                          "csrfmiddlewaretoken": s.cookies["csrftoken"]},
               headers={"Referer": f"{base}/admin/login/"})
    assert "sessionid" in s.cookies, f"login failed: {r.status_code}"
    medians = {}
    for name, url in pages():
        headers = {"X-Api-Key": api_key} if url.startswith("/api/") else {}
        s.get(base + url, headers=headers)  # warm the connection and the plan cache
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = s.get(base + url, headers=headers)
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, f"{url}: {r.status_code}"
        medians[name] = statistics.median(times)
    return medians


STATS = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'messaging_outboundmessage'"
DELIVER = ("UPDATE messaging_outboundmessage SET status = 'delivered', delivered_at = now(), updated_at = now() "
           "WHERE id IN (SELECT id FROM messaging_outboundmessage WHERE status = 'sent' ORDER BY id DESC LIMIT 200)")


def hot_update_check() -> str:
    """Update 200 messages' status as a delivery event would; report how many were HOT."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")
        cur.execute(STATS)
        upd0, hot0 = cur.fetchone()
        cur.execute(DELIVER)
        cur.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(1.0)
    with connection.cursor() as cur:
        cur.execute(STATS)
        upd1, hot1 = cur.fetchone()
    return f"{hot1 - hot0} of {upd1 - upd0} status updates were HOT"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import psycopg

    from bench._common import ADMIN_URL, BASE_URL

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if args.reseed and exists:
            conn.execute(f'DROP DATABASE "{DB}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB}"')
    env = bench_env(f"{BASE_URL}/{DB}", ALLOWED_HOSTS="127.0.0.1,localhost,testserver", DEBUG="false",
                    SECRET_KEY="bench-secret-key-not-for-use-anywhere-else-0123456789",
                    SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false",
                    API_RATE_PER_KEY="")
    migrate(env)  # also applies a branch's new migrations (indexes, rollups) to an old seed
    django_setup(env)
    from django.contrib.auth import get_user_model

    from messaging.api.keys import api_key_create
    from messaging.models import OutboundMessage

    if not OutboundMessage.objects.exists():
        print(f"seeding at scale {args.scale} …", flush=True)
        seed(args.scale)
    subprocess.run([sys.executable, "manage.py", "history_rollup_backfill"], cwd=ROOT, env=env,
                   stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=False)  # only on branches that have it
    # The migration made one conversation per number that wrote in (200,000), none waiting: one
    # in a hundred waits for a reply, as an inbox with work in it would.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("UPDATE messaging_conversation SET needs_reply = true WHERE id % 100 = 0 AND NOT needs_reply")
    if not get_user_model().objects.filter(username=USER).exists():
        get_user_model().objects.create_superuser(USER, "bench@example.com", PASSWORD)
    _, api_key = api_key_create(name="bench")
    print(f"messages: {OutboundMessage.objects.count():,}", flush=True)
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-b", f"127.0.0.1:{PORT}",
                            "-w", str(args.workers), "--timeout", "120"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(3)
        medians = time_pages(api_key)
    finally:
        web.terminate()
        web.wait(timeout=30)
    counts = query_counts(api_key)
    print(f"{'page':34s} {'median of 5':>12s} {'queries':>8s}")
    for name, _ in PAGES:
        print(f"{name:34s} {medians[name] * 1000:9.0f} ms {counts[name]:8d}")
    print(hot_update_check())


if __name__ == "__main__":
    main()
