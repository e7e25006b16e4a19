"""Chaos: a paced campaign on two qclusters, one of them SIGKILLed at a random moment.

    .venv/bin/python bench/chaos.py                 # 2,000 SMS at 100 parts/s, one run
    .venv/bin/python bench/chaos.py --runs 3 --seed 1

Creates its own database (portal_bench_chaos), queues the campaign through
``messages_send_bulk`` (as a shift campaign does), and starts two ``manage.py qcluster``
processes whose SMS transport records every provider call (``bench._common.RecordingSimulator``:
one row per call, written before the call returns). At a random moment while the campaign is
going out it SIGKILLs every process of one cluster (main, sentinel, pusher, workers), as when a
machine dies, then starts that cluster again. It prints the provider calls, the duplicates (calls
beyond the first for a message), the messages lost (never called), and the seconds from the
restart until nothing is left to send. See docs/benchmarks.md ("Chaos").
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_chaos"
TRANSPORT = "bench._common.RecordingSimulator"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--rate", type=float, default=100, help="SMS_RATE_LIMIT, parts per second")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--workers", type=int, default=2, help="Q_WORKERS per cluster")
    p.add_argument("--timeout", type=float, default=120, help="give up this long after the restart")
    return p.parse_args()


def one_run(args, rng: random.Random, run: int) -> dict:
    env = c.bench_env(c.db_recreate(DB), Q_WORKERS=args.workers, SMS_RATE_LIMIT=args.rate,
                      SMS_TRANSPORT=TRANSPORT, SIMULATOR_AUTO_DELIVER="false")
    c.migrate(env)
    c.django_setup(env)
    from django.db import connection, transaction

    from messaging.models import Channel, MessageStatus, OutboundMessage
    from messaging.outbound.send import messages_send_bulk

    clusters = c.Clusters(2, env, startup=2.5)  # both up before the campaign, as in production
    with transaction.atomic():
        ids = messages_send_bulk(channel=Channel.SMS, recipients=[f"+1555{i:07d}" for i in range(args.count)],
                                 body="Overtime tonight: reply with a shift code to book.")
    started = time.monotonic()
    # Anywhere from the first batch to near the end of the paced campaign.
    kill_after = rng.uniform(0.5, 0.9 * args.count / args.rate)
    time.sleep(kill_after)
    victim = rng.randrange(2)
    clusters.kill(victim)
    calls_at_kill = len(c.probe_rows("sms"))
    clusters.restart(victim)
    restarted = time.monotonic()

    def left() -> int:
        return OutboundMessage.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).count()

    while left() and time.monotonic() - restarted < args.timeout:
        time.sleep(0.1)
    recovery = time.monotonic() - restarted
    remaining = left()
    time.sleep(1.0)  # a call still on its way would show up now
    calls = Counter(ref for ref, _, _ in c.probe_rows("sms"))
    clusters.stop()
    connection.close()
    result = {
        "run": run, "kill_after": kill_after, "calls_at_kill": calls_at_kill,
        "calls": sum(calls.values()), "duplicates": sum(n - 1 for n in calls.values()),
        "lost": len(set(ids) - set(calls)), "left_queued": remaining, "recovery": recovery,
        "total": time.monotonic() - started,
    }
    c.db_drop(DB)
    return result


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    print(f"chaos: {args.count} SMS at {args.rate:g} parts/s, 2 clusters × {args.workers} workers; "
          f"{c.load_note()}")
    for run in range(1, args.runs + 1):
        r = one_run(args, rng, run)
        print(f"run {r['run']}: killed after {r['kill_after']:.1f} s ({r['calls_at_kill']} calls so far); "
              f"provider calls {r['calls']}, duplicates {r['duplicates']}, lost {r['lost']}, "
              f"still queued {r['left_queued']}; nothing left to send {r['recovery']:.1f} s after the restart "
              f"(pacing alone needed {(args.count - r['calls_at_kill']) / args.rate:.1f} s of it) "
              f"(campaign {r['total']:.1f} s in all)")
    print(c.load_note())


if __name__ == "__main__":
    main()
