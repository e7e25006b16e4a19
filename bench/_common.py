"""Shared plumbing for the bench scripts: a throw-away PostgreSQL database, real qcluster
processes on it, and the probes the workers call (a timer callback and a recording SMS
transport) that write the exact moment they ran into a bench table.

The probes are imported by the workers by dotted path (``bench._common.record_fire``), which
works because the qcluster processes run with the repository root as their working directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BASE_URL = ADMIN_URL.rsplit("/", 1)[0]

# The table every probe writes into: one row per call, with the wall-clock time of the call.
PROBE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench_probe (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    ref bigint NOT NULL,
    at double precision NOT NULL,
    pid integer NOT NULL
)
"""


# --- set-up -----------------------------------------------------------------------------------

def db_recreate(name: str) -> str:
    """Drop and create database ``name`` on the loopback server; return its URL."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{BASE_URL}/{name}"


def db_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_env(database_url: str, **extra) -> dict:
    """Environment for this process, ``migrate`` and the qcluster processes alike."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "portal.settings",
           "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "SNS_AUTO_CONFIRM": "false",
           "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    env.pop("TEST_DATABASE_NAME", None)
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    return env


def django_setup(env: dict) -> None:
    """Set up Django in this process on the bench database (after ``migrate``)."""
    os.environ.update(env)
    # Run as ``python bench/x.py``: make the repository importable and keep bench/ off the path.
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path(here)]
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(PROBE_TABLE_SQL)


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)


class Clusters:
    """``n`` real ``manage.py qcluster`` processes; logs go to a temporary directory."""

    def __init__(self, n: int, env: dict, startup: float = 3.0):
        self.env = env
        self.logdir = Path(tempfile.mkdtemp(prefix="bench-qcluster-"))
        self.procs = [self._spawn(i) for i in range(n)]
        time.sleep(startup)  # sentinel, pusher, workers and monitor come up
        for p in self.procs:
            if p.poll() is not None:
                raise RuntimeError(f"qcluster exited early; see {self.logdir}")

    def _spawn(self, i: int) -> subprocess.Popen:
        # A session of its own: a SIGKILL of the group reaches sentinel, pusher and workers too.
        log = open(self.logdir / f"qcluster-{i}.log", "a")  # noqa: SIM115 - the process writes it
        return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, i: int) -> None:
        """SIGKILL every process of cluster ``i`` at once, as when its machine dies."""
        _kill_group(self.procs[i])

    def restart(self, i: int) -> None:
        self.procs[i] = self._spawn(i)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _kill_group(p)

    def errors(self) -> list[str]:
        lines = []
        for f in sorted(self.logdir.glob("*.log")):
            lines += [ln for ln in f.read_text().splitlines() if "ERROR" in ln or "Traceback" in ln]
        return lines


def _kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(200):  # the group is gone when its last process is
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


# --- probes (run inside the workers) --------------------------------------------------------------

def probe_record(*, kind: str, ref: int, at: float) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("INSERT INTO bench_probe (kind, ref, at, pid) VALUES (%s, %s, %s, %s)",
                    [kind, ref, at, os.getpid()])


def record_fire(*, ref: int, kind: str = "timer") -> None:
    """A timer / schedule callback: records when it ran. Inside the timer's transaction, so a
    firing that rolls back leaves no row and a row means a committed firing."""
    probe_record(kind=kind, ref=ref, at=time.time())


def _recording_simulator():
    from messaging.transports.simulator import SmsTransport

    class RecordingSimulator(SmsTransport):
        """The SMS simulator, plus a row with the exact time each send reached the transport."""

        def send(self, message):
            at = time.time()
            result = super().send(message)
            probe_record(kind="sms", ref=message.log_id, at=at)
            return result

    return RecordingSimulator


def __getattr__(name):  # the transport class needs Django set up, so build it on first use
    if name == "RecordingSimulator":
        cls = _recording_simulator()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


def probe_rows(kind: str) -> list[tuple[int, float, int]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT ref, at, pid FROM bench_probe WHERE kind = %s ORDER BY at", [kind])
        return cur.fetchall()


# --- statistics -----------------------------------------------------------------------------------

def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def max_window(times: list[float], width: float = 1.0) -> tuple[int, float]:
    """The most events in any half-open window [t, t + width) starting at an event, and where."""
    best, where, j = 0, times[0] if times else 0.0, 0
    for i, t in enumerate(times):
        while j < len(times) and times[j] < t + width:
            j += 1
        if j - i > best:
            best, where = j - i, t
    return best, where


def add_cluster_args(parser) -> None:
    """The qcluster options every bench that starts workers takes."""
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="Q_WORKERS per cluster (default: settings)")
    parser.add_argument("--poll", type=float, default=None, help="Q_POLL (default: settings)")
    parser.add_argument("--keep-db", action="store_true")


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"
