"""SNS ingest: verified notifications per second through the real WSGI stack, next to a no-op view.

    .venv/bin/python bench/sns_ingest.py [--seconds 10] [--concurrency 8] [--workers 4] [--threads 2]

Creates its own PostgreSQL database (``portal_bench_sns``), migrates it, starts gunicorn on
loopback with the portal's settings (delivery-outcome hooks included) plus a bench-only URLconf
(``bench/sns_ingest_urls.py``) with two baselines: a no-op POST view, and a "floor" view that
only verifies and durably stores each notification. All three endpoints are driven by the same
number of concurrent keep-alive clients, taking turns in one-second slices until each has had
``--seconds``, so a neighbour's burst on a shared machine hits them alike.

Each /sns/ request carries a distinct SMS delivery event (the documented record) for a distinct
logged message (with ``--inbound``, a distinct two-way SMS replying to one, matched to the
message it answers and routed through the handlers), signed with the test signer; the
certificate is served through SNS_CERT_DIR, so nothing leaves the machine. Every request is
verified (RSA-SHA1/SHA256), stored under its MessageId, parsed, and applied to its message.
Prints the rates, the ratio to the no-op view (target >= 0.5), the floor's ratio, the ratio to
the floor (inbound SMS: target >= 0.75), and the CPU time per request of the web workers and of
PostgreSQL, then drops the database. ``BENCH_SNS_DB`` names the database (default
portal_bench_sns).
"""

from __future__ import annotations

import argparse
import glob
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

from bench._common import db_drop, db_recreate  # noqa: E402
from tests.support.sns import body, install_cert, sign_envelope  # noqa: E402

DB_NAME = os.environ.get("BENCH_SNS_DB", "portal_bench_sns")
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# https://docs.aws.amazon.com/sms-voice/latest/userguide/two-way-sms.html (the documented example)
INBOUND_SMS = {
    "originationNumber": "+14255550182", "destinationNumber": "+12125550101", "messageKeyword": "JOIN",
    "messageBody": "YES", "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
    "previousPublishedMessageId": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def phone_of(i: int) -> str:
    return f"+1425{i:07d}"


def make_bodies(n: int, *, known: bool, inbound: bool = False) -> list[bytes]:
    """``n`` distinct signed notifications, about logged messages ``bench-0`` ... or unknown ids.

    ``inbound``: two-way SMS instead, each a YES from the number message ``bench-i`` went to, half
    naming it by previousPublishedMessageId and half not (matched as the latest message to that
    number); neither number is on the allow-list, so the reply is routed, matched and ignored."""
    out = []
    for i in range(n):
        if inbound:
            message = dict(INBOUND_SMS, originationNumber=phone_of(i), inboundMessageId=str(uuid.uuid4()),
                           previousPublishedMessageId=f"bench-{i}" if known and i % 2 else "")
        else:
            message = dict(SMS_EVENT, messageId=f"bench-{i}" if known else f"unknown-{uuid.uuid4()}")
        out.append(body(sign_envelope(json.dumps(message), signature_version="2" if i % 2 else "1")))
    return out


class Endpoint:
    """One URL, its bodies (each posted once) and what the slices driving it added up to."""

    def __init__(self, path: str, bodies: list[bytes], *, reuse: bool = False):
        self.path, self.bodies, self.reuse = path, bodies, reuse
        self.next = 0
        self.ok = self.bad = 0
        self.seconds = 0.0
        self.cpu = {"web": 0.0, "database": 0.0}
        self.exhausted = False


def drive(port: int, endpoint: Endpoint, seconds: float, concurrency: int) -> None:
    """POST the endpoint's next bodies from ``concurrency`` keep-alive clients for ``seconds``."""
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                i = endpoint.next
                endpoint.next += 1
            if endpoint.reuse:
                i %= len(endpoint.bodies)
            elif i >= len(endpoint.bodies):
                endpoint.exhausted = True  # raised below: an exception here would end only this thread
                break
            conn.request("POST", endpoint.path, body=endpoint.bodies[i],
                         headers={"Content-Type": "text/plain; charset=UTF-8"})
            response = conn.getresponse()
            response.read()
            with lock:
                if response.status == 200:
                    endpoint.ok += 1
                else:
                    endpoint.bad += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    before, started = cpu_seconds(), time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if endpoint.exhausted:
        raise SystemExit(f"ran out of distinct bodies for {endpoint.path}; a repeat would be a cheap duplicate")
    endpoint.seconds += time.monotonic() - started
    after = cpu_seconds()
    for key in endpoint.cpu:
        endpoint.cpu[key] += after[key] - before[key]


_server_pid = 0


def cpu_seconds() -> dict[str, float]:
    """CPU time so far of the gunicorn processes and of all PostgreSQL processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"web": 0.0, "database": 0.0}
    for stat_path in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat_path) as fh:
                stat = fh.read()
        except OSError:
            continue  # ended while we looked
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        pid, ppid, used = int(stat_path.split("/")[2]), int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if _server_pid in (pid, ppid):
            totals["web"] += used
        elif name.startswith("postgres"):
            totals["database"] += used
    return totals


def main() -> int:
    global _server_pid
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time per endpoint (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads per gthread worker (default 2); 0 runs gunicorn's default sync workers")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--inbound", action="store_true",
                        help="post inbound two-way SMS (replies matched to the message they answer) "
                             "instead of delivery events")
    args = parser.parse_args()

    url = db_recreate(DB_NAME)
    cert_dir = install_cert(tempfile.mkdtemp(prefix="bench-sns-certs-"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.sns_ingest_settings",
           "SNS_CERT_DIR": cert_dir, "SNS_TOPIC_ARNS": "", "SNS_MAX_AGE_SECONDS": "3600", "DEBUG": "false",
           "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "LOG_LEVEL": "ERROR", "CONN_MAX_AGE": "600",
           "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore::UserWarning"}
    env.pop("TEST_DATABASE_NAME", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    # Enough distinct notifications that none repeats (a repeat would be a cheap duplicate), and a
    # logged message for each, so every event does the real work: find it, record, move status.
    budget = int(args.seconds * 1500) + 500
    seed = (
        "from messaging.models import OutboundMessage as M;"
        f"M.objects.bulk_create([M(channel='sms', recipient=f'+1425{{i:07d}}', body='b', status='sent',"
        f" provider_message_id=f'bench-{{i}}') for i in range({budget})], batch_size=2000)"
    )
    subprocess.run([py, "manage.py", "shell", "-c", seed], cwd=ROOT, env=env, check=True)

    worker_args = ["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads else []
    gunicorn = [py, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{port}",
                "--workers", str(args.workers), *worker_args, "--log-level", "warning", "--keep-alive", "30"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True)
    _server_pid = server.pid
    try:
        for _ in range(100):
            try:
                with socket.create_connection((HOST, port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        print(f"signing {2 * budget} notifications ...", flush=True)
        sns = Endpoint("/sns/", make_bodies(budget, known=True, inbound=args.inbound))
        floor = Endpoint("/bench-floor/", make_bodies(budget, known=False))
        noop = Endpoint("/bench-noop/", sns.bodies, reuse=True)  # it reads nothing: any body will do
        for path in ("/sns/", "/bench-floor/", "/bench-noop/"):  # imports, certificate cache, connections
            drive(port, Endpoint(path, make_bodies(100, known=False), reuse=True), 2, args.concurrency)
        slices = max(1, round(args.seconds))
        for _ in range(slices):
            for endpoint in (noop, floor, sns):
                drive(port, endpoint, args.seconds / slices, args.concurrency)
        matched_query = ("I.objects.exclude(status='received').count()" if args.inbound
                         else "E.objects.filter(message__isnull=False).count()")
        check = [py, "manage.py", "shell", "-c",
                 "from messaging.models import SnsNotification as N, DeliveryEvent as E, OutboundMessage as M;"
                 "from messaging.models import InboundSms as I;"
                 "print(N.objects.exclude(status='processed').exclude(kind='other').count(),"
                 f" {matched_query}, M.objects.filter(status='delivered').count())"]
        out = subprocess.run(check, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
        not_processed, matched, delivered = out.strip().splitlines()[-1].split()
        rate = {e.path: e.ok / e.seconds for e in (noop, floor, sns)}
        workers = f"{args.workers} workers x {args.threads} threads" if args.threads else f"{args.workers} sync workers"
        print(f"gunicorn: {workers}, {args.concurrency} clients, {args.seconds:.0f} s per endpoint in {slices} "
              f"alternating slices, PostgreSQL, {os.cpu_count()} CPUs")
        print(f"no-op view        : {rate[noop.path]:8.1f} req/s  ({noop.ok} ok, {noop.bad} other)")
        print(f"verify+store only : {rate[floor.path]:8.1f} req/s  ({floor.ok} ok, {floor.bad} other)")
        what = "inbound SMS routed" if args.inbound else "events matched a message"
        print(f"POST /sns/        : {rate[sns.path]:8.1f} notifications/s  ({sns.ok} ok, {sns.bad} other; {matched} "
              f"{what}, {delivered} messages now delivered; {not_processed} not processed)")
        for endpoint in (noop, floor, sns):
            per = {k: v / max(endpoint.ok, 1) * 1000 for k, v in endpoint.cpu.items()}
            print(f"CPU per request, {endpoint.path:13}: web {per['web']:.2f} ms, PostgreSQL {per['database']:.2f} ms")
        print(f"floor ratio: {rate[floor.path] / rate[noop.path]:.2f}  (verify and store, act on nothing)")
        print(f"ratio      : {rate[sns.path] / rate[noop.path]:.2f}  (target >= 0.5)")
        print(f"of floor   : {rate[sns.path] / rate[floor.path]:.2f}  (inbound SMS target >= 0.75)")
        return 0 if sns.bad == floor.bad == noop.bad == 0 else 1
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
