"""Real ``manage.py qcluster`` processes for tests: a plain one (QCluster), and one a test can
SIGKILL, stop gracefully and start again (KillableCluster).

A KillableCluster runs in a session of its own, so a SIGKILL reaches the whole process group at
once (main process, sentinel, pusher, monitor and workers), as when a machine or container
dies; ``terminate`` sends SIGTERM to the main process only, as a deploy does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class QCluster:
    """Real ``manage.py qcluster`` processes on the test database."""

    def __init__(self, count: int, env: dict):
        self.procs = []
        self.logs = []
        for i in range(count):
            log = open(ROOT / f".qcluster-test-{os.getpid()}-{i}.log", "w+")  # noqa: SIM115
            self.logs.append(log)
            self.procs.append(subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
        time.sleep(2.5)  # cluster start-up: pusher, workers, monitor
        for p in self.procs:
            if p.poll() is not None:
                raise RuntimeError(f"qcluster exited early:\n{self.output()}")

    def output(self) -> str:
        out = []
        for log in self.logs:
            log.seek(0)
            out.append(log.read())
        return "\n".join(out)

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in self.logs:
            log.close()
            Path(log.name).unlink(missing_ok=True)


class KillableCluster:
    def __init__(self, env: dict):
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.logdir = Path(tempfile.mkdtemp(prefix="qcluster-"))
        self.runs = 0

    def start(self, startup: float = 2.5) -> None:
        self.runs += 1
        log = open(self.logdir / f"run-{self.runs}.log", "w")  # noqa: SIM115 - the process writes it
        self.proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        time.sleep(startup)
        if self.proc.poll() is not None:
            raise RuntimeError(f"qcluster exited early:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL every process of the cluster at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._wait_group_gone()

    def terminate(self, timeout: float = 60) -> float:
        """SIGTERM the main process, as a deploy does; returns the seconds the stop took."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=timeout)
        self._wait_group_gone(timeout)
        return time.monotonic() - started

    def _wait_group_gone(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.killpg(self.proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.terminate(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return "\n".join(f.read_text() for f in sorted(self.logdir.glob("*.log")))
