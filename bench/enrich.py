"""Benchmark: a bulk send whose every recipient's data comes from an enrichment URL.

    .venv/bin/python bench/enrich.py [--recipients 2000] [--latency-ms 20]

Creates (drops first) ``portal_bench_enrich`` on the loopback server (``BENCH_ADMIN_URL``),
migrates it, starts an HTTP receiver in this process that answers each signed POST after
``--latency-ms`` with a small JSON object, and real ``manage.py qcluster`` processes (simulator, no
rate limit). Then a send to ``--recipients`` listed numbers with ``{ext.balance}`` in its text:
the clock runs from ``bulk_send_create`` until every recipient's message is logged. Prints the
rate (recipients a second) and that every call was made once and verified.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import (  # noqa: E402
    Clusters,
    add_cluster_args,
    bench_env,
    db_drop,
    db_recreate,
    django_setup,
    load_note,
    migrate,
)

DB = "portal_bench_enrich"
KEY = "bench-signing-key"


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ts = self.headers["X-Portal-Timestamp"]
        good = "sha256=" + hmac.new(KEY.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        with self.server.lock:
            self.server.calls += 1
            self.server.bad += not hmac.compare_digest(good, self.headers["X-Portal-Signature"])
        time.sleep(self.server.latency)
        payload = json.dumps({"balance": json.loads(body)["recipient"][-4:]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipients", type=int, default=2000)
    p.add_argument("--latency-ms", type=float, default=20)
    p.add_argument("--timeout", type=float, default=170)
    add_cluster_args(p)
    args = p.parse_args()

    ThreadingHTTPServer.request_queue_size = 128  # the portal keeps up to 16 calls in flight
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.calls, server.bad, server.lock, server.latency = 0, 0, threading.Lock(), args.latency_ms / 1000
    threading.Thread(target=server.serve_forever, daemon=True).start()

    url = db_recreate(DB)
    env = bench_env(url, SMS_RATE_LIMIT=0, Q_WORKERS=args.workers, Q_POLL=args.poll,
                    ENRICHMENT_SIGNING_KEY=KEY, ENRICHMENT_TIMEOUT_SECONDS=3)
    migrate(env)
    django_setup(env)
    from messaging.audience.bulk_sends import bulk_send_create
    from messaging.models import BulkRecipient

    clusters = Clusters(args.clusters, env)
    try:
        recipients = [{"phone": f"+1206555{i:04d}" if i < 10_000 else f"+1425555{i - 10_000:04d}"}
                      for i in range(args.recipients)]
        started = time.monotonic()
        send = bulk_send_create(name="bench enrich", message="Your balance is {ext.balance}.", recipients=recipients,
                                enrichment={"url": f"http://127.0.0.1:{server.server_address[1]}/hook",
                                            "on_failure": "skip"})
        rows = BulkRecipient.objects.filter(bulk=send)
        while rows.filter(released_at__isnull=True, status__in=["queued", "deferred"]).exists():
            if time.monotonic() - started > args.timeout:
                print(f"timed out; {rows.filter(released_at__isnull=False).count()} placed", file=sys.stderr)
                break
            time.sleep(0.2)
        took = time.monotonic() - started
        placed = rows.filter(released_at__isnull=False).count()
        print(f"{placed} of {args.recipients} recipients enriched and placed in {took:.1f} s "
              f"({placed / took:.0f}/s) with a {args.latency_ms:g} ms receiver; {server.calls} calls, "
              f"{server.bad} bad signatures; {load_note()}")
        errors = clusters.errors()
        if errors:
            print("\n".join(errors[:10]), file=sys.stderr)
    finally:
        clusters.stop()
        server.shutdown()
        if not args.keep_db:
            db_drop(DB)


if __name__ == "__main__":
    main()
