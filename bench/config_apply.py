"""``manage.py config apply`` at the issue's size: 1,000 schedules, applied to an empty portal, then again.

    .venv/bin/python bench/config_apply.py                  # 1,000 schedules
    .venv/bin/python bench/config_apply.py --schedules 200  # a quick run

Creates its own PostgreSQL database (portal_i26imp_bench_config) and migrates it. Writes a
file as ``config export`` writes one: ``--schedules`` schedules of six members each (from
``--people`` people) in a mix of zones, each with two overrides ahead, a policy per ten
schedules (two levels: a schedule, then two people), an alert integration with two routes, tags.
Then runs, each as a fresh ``manage.py`` process: ``config apply FILE`` (everything created),
``config apply FILE`` again (must say "No changes."), ``config apply FILE --dry-run`` (exit 0:
no drift) and ``config export``. Prints each one's wall time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as c  # noqa: E402

DB = "portal_i26imp_bench_config"
ZONES = ["America/New_York", "Europe/London", "Europe/Berlin", "UTC", "Australia/Sydney", "Asia/Kolkata"]


def document(*, schedules: int, people: int) -> dict:
    phones = [f"+1206{5500000 + i:07d}" for i in range(people)]
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    doc = {"version": 1, "people": [{"phone": p, "name": f"Engineer {i}"} for i, p in enumerate(phones)],
           "tags": ["oncall", "overtime-east"], "schedules": [], "policies": []}
    for s in range(schedules):
        doc["schedules"].append({
            "name": f"Rota {s:04d}", "time_zone": ZONES[s % len(ZONES)], "handoff": "2026-01-05T09:00:00+00:00",
            "turn_hours": [24, 168, 12][s % 3], "members": [phones[(s * 6 + k) % people] for k in range(6)],
            "overrides": [{"phone": phones[(s + k * 7) % people],
                           "start": (ahead + timedelta(days=k * 2)).isoformat(),
                           "end": (ahead + timedelta(days=k * 2, hours=8)).isoformat(), "note": "swap"}
                          for k in range(2)]})
    for p in range(max(1, schedules // 10)):
        doc["policies"].append({"name": f"Policy {p}", "repeat": 1, "levels": [
            {"schedule": f"Rota {p * 10:04d}", "wait_seconds": 300, "reminders": 1},
            {"contacts": [phones[p % people], phones[(p + 1) % people]], "wait_seconds": 600, "reminders": 0}]})
    doc["alert_integrations"] = [{"name": "prometheus", "default_policy": "Policy 0",
                                  "routes": [{"matchers": "severity=critical", "policy": "Policy 0"},
                                             {"matchers": "team=~db|storage", "policy": doc["policies"][-1]["name"]}]}]
    return doc


def timed(env: dict, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", "config", *args], cwd=c.ROOT, env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - t0, done


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--schedules", type=int, default=1000)
    p.add_argument("--people", type=int, default=2000)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args()
    env = c.bench_env(c.db_recreate(DB))
    try:
        c.migrate(env)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "setup.yaml"
            path.write_text(yaml.safe_dump(document(schedules=args.schedules, people=args.people), sort_keys=False))
            print(f"file: {args.schedules} schedules, {args.people} people, {path.stat().st_size / 1e6:.1f} MB")
            runs = (("apply (empty portal)", ()), ("apply again", ()), ("apply --dry-run", ("--dry-run",)))
            for label, extra in runs:
                seconds, done = timed(env, "apply", str(path), *extra)
                last = (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]
                inside = (done.stderr.strip().splitlines() or [""])[-1]
                print(f"{label:22s} {seconds:6.1f} s  exit {done.returncode}  {last}  [{inside}]")
            seconds, done = timed(env, "export")
            print(f"{'export':22s} {seconds:6.1f} s  exit {done.returncode}  {len(done.stdout) / 1e6:.1f} MB")
            seconds, _ = timed(env, "schema")
            print(f"{'schema (start-up only)':22s} {seconds:6.1f} s")
    finally:
        if not args.keep:
            c.db_drop(DB)


if __name__ == "__main__":
    main()
