"""SNS ingest: verified notifications per second through the real WSGI stack, next to a no-op view.

    .venv/bin/python bench/sns_ingest.py [--seconds 10] [--concurrency 8] [--workers 4]

Creates its own PostgreSQL database (``portal_bench_sns``), migrates it, starts gunicorn on
loopback with the portal's settings plus a bench-only URLconf that adds a no-op POST view, and
drives both endpoints with the same number of concurrent keep-alive clients for the same time.
Each /sns/ request carries a distinct SMS delivery event (the documented record) signed with
the test signer; the certificate is served through SNS_CERT_DIR, so nothing leaves the machine.
Every request is verified (RSA-SHA1/SHA256), stored under its MessageId, parsed, and applied.
Prints both rates and their ratio (target >= 0.5) and drops the database at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sns_signing import body, install_cert, sign_envelope  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = "portal_bench_sns"
HOST = "127.0.0.1"

# https://docs.aws.amazon.com/end-user-messaging/latest/userguide/nx-features-messaging-events.html
SMS_EVENT = {
    "eventType": "TEXT_SUCCESSFUL", "eventVersion": "1.0", "eventTimestamp": 1686975103470, "isFinal": True,
    "originationPhoneNumber": "+12065550152", "destinationPhoneNumber": "+14255550156",
    "isInternationalSend": False, "mcc": "310", "mnc": "800", "messageId": "862a8790-60c0-4430-9b2b-658bdexample",
    "messageRequestTimestamp": 1686975103170, "messageEncoding": "GSM", "messageType": "PROMOTIONAL",
    "messageStatus": "SUCCESSFUL", "messageStatusDescription": "Message has been accepted by phone carrier",
    "context": {"account": "bar"}, "totalMessageParts": 1, "totalMessagePrice": 0.09582, "totalCarrierFee": 0.0,
}


def db_recreate() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def db_drop() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def make_bodies(n: int, messages_known: int) -> list[bytes]:
    """``n`` distinct signed notifications; the first ``messages_known`` refer to logged messages."""
    out = []
    for i in range(n):
        event = dict(SMS_EVENT, messageId=f"bench-{i % max(messages_known, 1)}" if i < messages_known
                     else f"unknown-{uuid.uuid4()}")
        out.append(body(sign_envelope(json.dumps(event), signature_version="2" if i % 2 else "1")))
    return out


def drive(port: int, path: str, bodies: list[bytes], seconds: float, concurrency: int) -> tuple[int, int, float]:
    """POST ``bodies`` (each once) from ``concurrency`` keep-alive clients for at most ``seconds``."""
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))
    ok = bad = 0
    deadline = time.monotonic() + seconds

    def worker():
        nonlocal ok, bad
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                i = next(cursor, None)
            if i is None:
                break
            conn.request("POST", path, body=bodies[i], headers={"Content-Type": "text/plain; charset=UTF-8"})
            response = conn.getresponse()
            response.read()
            with lock:
                if response.status == 200:
                    ok += 1
                else:
                    bad += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, bad, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time per endpoint (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    url = db_recreate()
    cert_dir = install_cert(tempfile.mkdtemp(prefix="bench-sns-certs-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.sns_ingest_settings",
           "SNS_CERT_DIR": cert_dir, "SNS_TOPIC_ARNS": "", "SNS_MAX_AGE_SECONDS": "3600", "DEBUG": "false",
           "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "LOG_LEVEL": "ERROR", "CONN_MAX_AGE": "600",
           "DELIVERY_OUTCOME_HOOKS": "", "PYTHONPATH": str(ROOT),
           "PYTHONWARNINGS": "ignore::UserWarning"}
    env.pop("TEST_DATABASE_NAME", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    # Message-log rows the events refer to, so most events do real work (find, update status).
    known = 2000
    seed = (
        "from messaging.models import OutboundMessage as M;"
        f"M.objects.bulk_create([M(channel='sms', recipient='+14255550156', body='b', status='sent',"
        f" provider_message_id=f'bench-{{i}}') for i in range({known})])"
    )
    subprocess.run([py, "manage.py", "shell", "-c", seed], cwd=ROOT, env=env, check=True)

    gunicorn = [py, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{port}",
                "--workers", str(args.workers), "--worker-class", "gthread", "--threads", "2",
                "--log-level", "warning", "--keep-alive", "30"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                with socket.create_connection((HOST, port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        # Enough distinct notifications that none repeats (a repeat would be a cheap duplicate).
        budget = int(args.seconds * 1500) + 500
        print(f"signing {budget} notifications ...", flush=True)
        bodies = make_bodies(budget, known)
        warm = make_bodies(50, 0)
        drive(port, "/sns/", warm, 5, args.concurrency)  # warm-up: imports, cert cache, connections
        drive(port, "/bench-noop/", warm, 5, args.concurrency)

        noop_ok, noop_bad, noop_t = drive(port, "/bench-noop/", bodies, args.seconds, args.concurrency)
        sns_ok, sns_bad, sns_t = drive(port, "/sns/", bodies, args.seconds, args.concurrency)
        noop_rate, sns_rate = noop_ok / noop_t, sns_ok / sns_t
        check = [py, "manage.py", "shell", "-c",
                 "from messaging.models import SnsNotification as N, DeliveryEvent as E;"
                 "print(N.objects.exclude(status='processed').count(), E.objects.count(), "
                 "E.objects.filter(message__isnull=False).count())"]
        not_processed, events, matched = subprocess.run(check, cwd=ROOT, env=env, check=True, capture_output=True,
                                                        text=True).stdout.strip().splitlines()[-1].split()
        print(f"gunicorn: {args.workers} workers x 2 threads, {args.concurrency} clients, {args.seconds:.0f} s each, "
              f"PostgreSQL")
        print(f"no-op view : {noop_rate:8.1f} req/s  ({noop_ok} ok, {noop_bad} other)")
        print(f"POST /sns/ : {sns_rate:8.1f} notifications/s  ({sns_ok} ok, {sns_bad} other; "
              f"{events} delivery events stored, {matched} matched a message; {not_processed} not processed)")
        print(f"ratio      : {sns_rate / noop_rate:.2f}  (target >= 0.5)")
        return 0 if sns_bad == 0 and noop_bad == 0 else 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if not args.keep_db:
            db_drop()


if __name__ == "__main__":
    sys.exit(main())
