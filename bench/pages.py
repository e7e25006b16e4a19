"""Notification rules on real qcluster processes: how late each rule's firing is against its due time.

    .venv/bin/python bench/pages.py                          # 1,000 incidents x 3 people x 3 rules, then
                                                             # the same with 100,000 rule timers pending
    .venv/bin/python bench/pages.py --incidents 200 --pending 0   # a quick smoke run

Creates its own database (portal_bench_pages), migrates it and starts ``--clusters`` qcluster
processes (default 2). Each round opens ``--incidents`` incidents at once (from ``--threads``
threads, as concurrent API requests would), each paging one level of ``--people`` people, each
person with ``--rules`` rules: a call, an email and a WhatsApp message ``--lead``, ``--lead`` +
``--step`` … seconds after they were paged. That is one durable timer per firing, through the
real engine (incidents.paging → Timer → incidents.tasks.incident_rule_fire → page_send), and
each firing sends one message through the simulator on the workers. Every person has a number of
their own, so the page cap (5 in 15 minutes) counts every page and holds none.

Lateness = Timer.fired_at - Timer.due_at: when the worker claimed the row, inside the transaction
that sends the page. Also reported: rule firings that sent nothing, sent twice or never ran.

``--pending N`` (default 100,000) then adds N rule timers due next week (Timer rows and their
queued django-q2 tasks, written with COPY as bench/timers.py does) and runs the round again.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_bench_pages"
RULE_CALLBACK = "incidents.tasks.incident_rule_fire"
METHODS = ["voice", "email", "whatsapp", "sms"]


def people_create(n_incidents: int, n_people: int, n_rules: int, args, offset: int) -> list[list]:
    """``n_people`` contacts per incident, numbers of their own, each with ``n_rules`` rules."""
    from messaging.models import Contact, NotificationRule

    contacts = Contact.objects.bulk_create([
        Contact(name=f"Engineer {offset + i}", phone=f"+1206{offset + i:07d}", email=f"e{offset + i}@example.com",
                whatsapp=f"+1206{offset + i:07d}")
        for i in range(n_incidents * n_people)], batch_size=2000)
    NotificationRule.objects.bulk_create([
        NotificationRule(contact=contact, method=METHODS[r % len(METHODS)],
                         after_seconds=int(args.lead + r * args.step))
        for contact in contacts for r in range(n_rules)], batch_size=5000)
    return [contacts[i * n_people:(i + 1) * n_people] for i in range(n_incidents)]


def open_all(groups: list[list], threads: int, round_name: str) -> tuple[list[int], float]:
    """Open one incident per group from ``threads`` threads at once; (incident ids, seconds taken)."""
    from django.db import connection

    from incidents.services import incident_open
    from incidents.snapshots import snapshot_from_contacts

    ids: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run(part: list[list]):
        try:
            barrier.wait()
            for group in part:
                # One level paging the whole group (snapshot_from_contacts gives each its own level).
                snapshot = snapshot_from_contacts(contacts=group, wait_seconds=3600, reminders=0)
                snapshot["levels"] = [{**snapshot["levels"][0],
                                       "contacts": [lv["contacts"][0] for lv in snapshot["levels"]]}]
                incident = incident_open(description=f"{round_name}: gas leak", snapshot=snapshot)
                with lock:
                    ids.append(incident.pk)
        finally:
            connection.close()

    t = time.time()
    workers = [threading.Thread(target=run, args=(groups[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return ids, time.time() - t


def stats(label: str, values: list[float]) -> None:
    s = sorted(values)
    if not s:
        print(f"{label}: none")
        return
    print(f"{label}: n={len(s)} p50={c.percentile(s, 50):.3f}s p95={c.percentile(s, 95):.3f}s "
          f"p99={c.percentile(s, 99):.3f}s max={s[-1]:.3f}s min={s[0]:.3f}s")


def run_round(args, round_name: str, offset: int) -> None:
    from messaging.models import OutboundMessage, Timer, TimerState

    groups = people_create(args.incidents, args.people, args.rules, args, offset)
    ids, took = open_all(groups, args.threads, round_name)
    expected = args.incidents * args.people * args.rules
    print(f"[{round_name}] opened {len(ids)} incidents ({args.people} people each, {args.rules} rules each) in "
          f"{took:.1f} s from {args.threads} threads; {expected} rule firings due {args.lead:.0f}-"
          f"{args.lead + (args.rules - 1) * args.step:.0f} s after each page; {c.load_note()}")
    rules = Timer.objects.filter(callback=RULE_CALLBACK, owner_id__in=ids)
    last_due = rules.order_by("-due_at").values_list("due_at", flat=True).first()
    deadline = time.time() + max(0.0, last_due.timestamp() - time.time()) + args.grace
    while time.time() < deadline and rules.filter(state=TimerState.PENDING).exists():
        time.sleep(1)
    fired = list(rules.filter(state=TimerState.FIRED).values_list("due_at", "fired_at"))
    pending = rules.filter(state=TimerState.PENDING).count()
    sent = OutboundMessage.objects.filter(owner_id__in=ids).exclude(channel="sms").count()
    print(f"[{round_name}] rule timers: {rules.count()} made, {len(fired)} fired, {pending} still pending, "
          f"{rules.filter(state=TimerState.FAILED).count()} failed; rule messages in the log: {sent} "
          f"(expected {expected}); {c.load_note()}")
    stats(f"[{round_name}] rule lateness (Timer.fired_at - due_at)", [(f - d).total_seconds() for d, f in fired])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--incidents", type=int, default=1000)
    p.add_argument("--people", type=int, default=3, help="people paged per incident")
    p.add_argument("--rules", type=int, default=3, help="rules per person")
    p.add_argument("--lead", type=float, default=40.0, help="the first rule's delay (covers opening them all)")
    p.add_argument("--step", type=float, default=10.0, help="seconds between a person's rules")
    p.add_argument("--threads", type=int, default=4, help="threads opening the incidents at once")
    p.add_argument("--grace", type=float, default=75.0, help="seconds past the last due time to wait")
    p.add_argument("--pending", type=int, default=100_000, help="rule timers due next week for the second round")
    c.add_cluster_args(p)
    args = p.parse_args()

    t0 = time.time()
    env = c.bench_env(c.db_recreate(DB), Q_WORKERS=args.workers, Q_POLL=args.poll)
    c.migrate(env)
    c.django_setup(env)
    from django.conf import settings

    q = settings.Q_CLUSTER
    print(f"{args.clusters} qcluster processes x {q['workers']} workers, poll {q['poll']} s; "
          f"PAGE_CAP_PER_NUMBER {settings.PAGE_CAP_PER_NUMBER}; {c.load_note()}")
    clusters = c.Clusters(args.clusters, env)
    try:
        run_round(args, "no backlog", offset=0)
        if args.pending:
            from bench.timers import add_pending

            add_pending(args.pending)
            run_round(args, f"{args.pending:,} pending", offset=args.incidents * args.people)
    finally:
        clusters.stop()
        errors = clusters.errors()
        if errors:
            print(f"{len(errors)} error lines in the qcluster logs ({clusters.logdir}), first: {errors[0]}")
        print(f"after: {c.load_note()}; total {time.time() - t0:.0f} s")
        if not args.keep_db:
            c.db_drop(DB)


if __name__ == "__main__":
    main()
