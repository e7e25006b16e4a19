"""``manage.py import_from`` at the issue's size: 200 people, 50 schedules, 50 policies, from a file.

    .venv/bin/python bench/import_from.py                       # 200 / 50 / 50
    .venv/bin/python bench/import_from.py --people 2000 --schedules 500 --policies 500

Creates its own PostgreSQL database (portal_i26imp_bench_import), migrates it, and writes a
PagerDuty file (the contract's ``--file`` shape): users with SMS, voice and email contact
methods and three notification rules each; schedules of one weekly layer of six people in a
mix of zones, each with a rendered final schedule of 13 weeks in which one week is someone
else's (an override to make) and one explicit override; policies of two levels (a schedule,
then two people). Then runs ``manage.py import_from pagerduty --file`` as a person would, twice,
and prints each run's wall time (a fresh Python process each, so Django's start-up counts) and
the second run's "Made N changes" line, which must say 0.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_i26imp_bench_import"
ZONES = ["America/New_York", "Europe/London", "Europe/Berlin", "UTC", "Australia/Sydney"]


def pagerduty_file(*, people: int, schedules: int, policies: int, rng: random.Random) -> dict:
    users = []
    for i in range(people):
        number = f"{2065500000 + i}"
        users.append({"id": f"PU{i:05d}", "name": f"Engineer {i}", "email": f"e{i}@example.com",
                      "contact_methods": [
                          {"id": f"PS{i}", "type": "sms_contact_method", "address": number, "country_code": 1},
                          {"id": f"PV{i}", "type": "phone_contact_method", "address": number, "country_code": 1},
                          {"id": f"PE{i}", "type": "email_contact_method", "address": f"e{i}@example.com"}],
                      "notification_rules": [
                          {"start_delay_in_minutes": 0, "urgency": "high", "contact_method": {"id": f"PS{i}"}},
                          {"start_delay_in_minutes": 5, "urgency": "high", "contact_method": {"id": f"PV{i}"}},
                          {"start_delay_in_minutes": 0, "urgency": "low", "contact_method": {"id": f"PE{i}"}}]})
    body = {"/users": {"users": users, "more": False}, "/schedules": {"schedules": []}}
    start = datetime(2026, 9, 7, 9, tzinfo=UTC)
    for s in range(schedules):
        sid = f"PSCH{s:04d}"
        members = [users[(s * 6 + k) % people]["id"] for k in range(6)]
        zone = ZONES[s % len(ZONES)]
        final, stranger = [], users[rng.randrange(people)]["id"]
        for week in range(13):
            a = start + timedelta(weeks=week)
            who = stranger if week == 5 else members[week % 6]
            final.append({"start": a.isoformat(), "end": (a + timedelta(weeks=1)).isoformat(), "user": {"id": who}})
        body["/schedules"]["schedules"].append({"id": sid, "name": f"Rota {s}"})
        body[f"/schedules/{sid}"] = {"schedule": {
            "id": sid, "name": f"Rota {s}", "time_zone": "UTC",
            "schedule_layers": [{"id": f"L{s}", "name": "Layer 1", "start": start.isoformat(),
                                 "rotation_virtual_start": start.isoformat(), "rotation_turn_length_seconds": 604800,
                                 "users": [{"user": {"id": m}} for m in members], "restrictions": []}],
            "final_schedule": {"rendered_schedule_entries": final}, "about_zone": zone}}
        o = start + timedelta(weeks=20, hours=3)
        body[f"/schedules/{sid}/overrides"] = {"overrides": [
            {"id": f"O{s}", "start": o.isoformat(), "end": (o + timedelta(hours=8)).isoformat(),
             "user": {"id": stranger}}]}
    body["/escalation_policies"] = {"escalation_policies": [
        {"id": f"PEP{p:04d}", "name": f"Policy {p}", "num_loops": 1, "escalation_rules": [
            {"escalation_delay_in_minutes": 15,
             "targets": [{"id": f"PSCH{p % schedules:04d}", "type": "schedule_reference"}]},
            {"escalation_delay_in_minutes": 30,
             "targets": [{"id": users[(p * 7 + k) % people]["id"], "type": "user_reference"} for k in (0, 1)]}]}
        for p in range(policies)], "more": False}
    return body


def run(env: dict, path: Path) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", "import_from", "pagerduty", "--file", str(path)],
                          cwd=c.ROOT, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, done.stdout


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=200)
    p.add_argument("--schedules", type=int, default=50)
    p.add_argument("--policies", type=int, default=50)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args()
    env = c.bench_env(c.db_recreate(DB))
    try:
        c.migrate(env)
        body = pagerduty_file(people=args.people, schedules=args.schedules, policies=args.policies,
                              rng=random.Random(26))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pagerduty.json"
            path.write_text(json.dumps(body))
            print(f"file: {args.people} people, {args.schedules} schedules, {args.policies} policies, "
                  f"{path.stat().st_size / 1e6:.1f} MB")
            first, out1 = run(env, path)
            second, out2 = run(env, path)
        def said(out):
            made = re.search(r"^Made .*?:$", out, re.M).group(0)
            return f"{made.rstrip(':')}; {re.search(r'^Read the source.*$', out, re.M).group(0)}"

        print(f"first run:  {first:.1f} s wall  ({said(out1)})")
        print(f"second run: {second:.1f} s wall  ({said(out2)})")
    finally:
        if not args.keep:
            c.db_drop(DB)


if __name__ == "__main__":
    main()
