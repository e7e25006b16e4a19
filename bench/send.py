"""Paced SMS sending on real qcluster processes: achieved rate against SMS_RATE_LIMIT.

    .venv/bin/python bench/send.py                    # 20,000 SMS at 200 parts/s, then with no limit
    .venv/bin/python bench/send.py --count 2000 --unlimited-count 2000   # a quick smoke run

Creates its own database (portal_bench_send), migrates it, queues the messages through
``messages_send_bulk`` (batches of 100 per delivery task, as campaigns send; ``--per-message``
queues one ``message_send`` task each instead), then starts the qcluster
processes with ``SMS_TRANSPORT=bench._common.RecordingSimulator``, a simulator that records the
exact time each send reached it. The rate and its spread come from those times: aligned
one-second buckets and the busiest sliding one-second window.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_send"
TRANSPORT = "bench._common.RecordingSimulator"


def _queue(count: int, per_message: bool) -> float:
    from django.db import transaction

    from messaging.models import Channel
    from messaging.outbound.send import message_send, messages_send_bulk

    t = time.time()
    if not per_message:
        with transaction.atomic():
            messages_send_bulk(channel=Channel.SMS, recipients=[f"+1555{i:07d}" for i in range(count)],
                               body="Bench message")
        return time.time() - t
    for lo in range(0, count, 1000):
        with transaction.atomic():
            for i in range(lo, min(lo + 1000, count)):
                message_send(channel=Channel.SMS, recipient=f"+1555{i:07d}", body=f"Bench message {i}")
    return time.time() - t


def run(args, *, count: int, rate: float, label: str) -> dict:
    from django.db import connection

    from messaging.models import MessageStatus, OutboundMessage, SenderPace

    with connection.cursor() as cur:
        cur.execute("TRUNCATE bench_probe")
    OutboundMessage.objects.all().delete()
    SenderPace.objects.all().delete()
    took = _queue(count, args.per_message)
    print(f"[{label}] queued {count} SMS in {took:.1f} s; starting {args.clusters} qcluster processes "
          f"(SMS_RATE_LIMIT={rate:g})")
    env = c.bench_env(args.url, Q_WORKERS=args.workers, Q_POLL=args.poll,
                      SMS_RATE_LIMIT=rate, SMS_TRANSPORT=TRANSPORT, SIMULATOR_AUTO_DELIVER="false")
    clusters = c.Clusters(args.clusters, env, startup=0)
    try:
        deadline = time.time() + (count / rate if rate else 0) + args.timeout
        while time.time() < deadline:
            if not OutboundMessage.objects.filter(status=MessageStatus.QUEUED).exists():
                break
            time.sleep(1)
    finally:
        clusters.stop()
    errors = clusters.errors()
    if errors:
        print(f"[{label}] {len(errors)} error lines in the qcluster logs ({clusters.logdir}): {errors[0]}")

    rows = c.probe_rows("sms")
    times = [at for _, at, _ in rows]
    sent = OutboundMessage.objects.filter(status=MessageStatus.SENT).count()
    left = OutboundMessage.objects.filter(status=MessageStatus.QUEUED).count()
    refs = [ref for ref, _, _ in rows]
    dup = len(refs) - len(set(refs))
    out = {"sent": sent, "left": left, "duplicates": dup}
    print(f"[{label}] transport calls {len(times)}, rows sent {sent}, still queued {left}, sent twice {dup}")
    if len(times) < 2:
        return out
    span = times[-1] - times[0]
    achieved = (len(times) - 1) / span
    # Aligned one-second buckets from the first send; the last, partial bucket is left out.
    buckets = [0] * (int(span) + 1)
    for t in times:
        buckets[int(t - times[0])] += 1
    full = buckets[:-1] if len(buckets) > 1 else buckets
    # Steady state: the middle of the run, away from start-up and the tail.
    mid = full[2:-2] if len(full) > 6 else full
    window, where = c.max_window(times)
    out.update(achieved=achieved, span=span, max_window=window, bucket_min=min(mid), bucket_max=max(mid),
               bucket_mean=statistics.mean(mid), bucket_stdev=statistics.pstdev(mid))
    print(f"[{label}] achieved {achieved:.1f}/s over {span:.1f} s "
          f"({(achieved / rate - 1) * 100:+.2f}% of the limit)" if rate else
          f"[{label}] achieved {achieved:.1f}/s over {span:.1f} s (no limit)")
    print(f"[{label}] one-second buckets (steady state, {len(mid)} s): min {min(mid)} max {max(mid)} "
          f"mean {statistics.mean(mid):.1f} stdev {statistics.pstdev(mid):.1f}")
    print(f"[{label}] busiest sliding one-second window: {window} sends (starting {where - times[0]:.2f} s in)")
    if rate:
        within = abs(achieved / rate - 1) <= 0.02
        print(f"[{label}] within 2% of the limit: {'yes' if within else 'NO'}; "
              f"never above it in any one-second window: {'yes' if window <= rate else 'NO'}")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=20_000, help="SMS to send with the limit")
    p.add_argument("--rate", type=float, default=200.0, help="SMS_RATE_LIMIT (parts per second)")
    p.add_argument("--unlimited-count", type=int, default=20_000, help="SMS to send with no limit (0 to skip)")
    c.add_cluster_args(p)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds allowed beyond count / rate")
    p.add_argument("--per-message", action="store_true", help="one message_send task per SMS instead of batches")
    args = p.parse_args()

    t0 = time.time()
    url = c.db_recreate(DB)
    env = c.bench_env(url, Q_WORKERS=args.workers, Q_POLL=args.poll)
    c.migrate(env)
    c.django_setup(env)
    from django.conf import settings
    from django.db import connections

    args.url = url
    q = settings.Q_CLUSTER
    print(f"{args.clusters} qcluster processes x {q['workers']} workers, poll {q['poll']} s, bulk {q['bulk']}; "
          f"{c.load_note()}")
    try:
        if args.count:
            run(args, count=args.count, rate=args.rate, label=f"limit {args.rate:g}/s")
        if args.unlimited_count:
            run(args, count=args.unlimited_count, rate=0, label="no limit")
    finally:
        print(f"after: {c.load_note()}; total {time.time() - t0:.0f} s")
        if not args.keep_db:
            connections.close_all()
            c.db_drop(DB)


if __name__ == "__main__":
    main()
