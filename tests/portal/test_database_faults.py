"""PostgreSQL restarted under a running portal: web and worker serve again by themselves, and
while the database is down ``/sns/`` answers 5xx (never 200), so SNS delivers again.

Everything is real: a throw-away PostgreSQL cluster of the test's own (never the shared server),
``manage.py migrate``, a web server (runserver as the contract names it, and gunicorn, whose
long-lived worker keeps its database connection between requests) and ``manage.py qcluster``,
configured as a local run through the environment. SNS bodies are signed with the test key
(``SNS_CERT_DIR``), so nothing reaches AWS.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.support import pgcluster
from tests.support.aws import inbound_help
from tests.support.pgcluster import PgCluster
from tests.support.sns import body, install_cert

pytestmark = [pytest.mark.postgres, pytest.mark.qcluster]

ROOT = Path(__file__).resolve().parents[2]
# Bounds, not sleeps: each wait ends as soon as its condition holds.
START_SECONDS = 60
RECOVER_SECONDS = 30


@pytest.fixture
def pg():
    if (why := pgcluster.available()) is not None:
        pytest.skip(why)
    cluster = PgCluster.create()
    cluster.start()
    yield cluster
    cluster.destroy()


class Process:
    """One portal process (web or worker) with its output in a file, stopped at teardown."""

    def __init__(self, name: str, command: list[str], env: dict, logdir: Path):
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the process and its children
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


@pytest.fixture
def portal_env(pg, tmp_path):
    url = pg.create_database("portal_faults")
    drop = ("DATABASE_URL", "TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY",
            "SNS_TOPIC_ARNS", "SNS_CERT_DIR", "SMS_TRANSPORT")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "portal.settings",  # a local run: loopback hosts only
        "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "SNS_AUTO_CONFIRM": "false",
        "SNS_CERT_DIR": install_cert(tmp_path / "certs"), "SMS_TRANSPORT": "simulator",
        "Q_WORKERS": "2", "LOG_LEVEL": "WARNING",
    })
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    return env


@pytest.fixture
def processes(tmp_path):
    started: list[Process] = []

    def start(name, command, env):
        started.append(Process(name, command, env, tmp_path))
        return started[-1]

    yield start
    for p in started:
        p.stop()


def wait_until(what: str, predicate, timeout: float, *processes: Process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        for p in processes:
            if not p.alive():
                pytest.fail(f"{p.name} exited while waiting for {what}:\n{p.output()[-4000:]}")
        time.sleep(0.1)
    logs = "\n".join(f"--- {p.name}\n{p.output()[-4000:]}" for p in processes)
    pytest.fail(f"not within {timeout} s: {what}\n{logs}")


def get(url: str) -> int | None:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return None


def post_sns(base: str, envelope: dict) -> requests.Response:
    # As SNS posts: the JSON body as text/plain, no x-amz-sns-* headers needed.
    return requests.post(f"{base}/sns/", data=body(envelope), headers={"Content-Type": "text/plain"}, timeout=15)


def reply_status(database_url: str, phone: str) -> str | None:
    """The status of the portal's SMS reply to ``phone``, read straight from the database."""
    try:
        with psycopg.connect(database_url, connect_timeout=3) as conn:
            row = conn.execute(
                "SELECT o.status FROM messaging_outboundmessage o JOIN messaging_inboundsms i "
                "ON i.origination_number = o.recipient WHERE o.recipient = %s AND o.channel = 'sms' "
                "AND i.status <> 'received' ORDER BY o.id DESC LIMIT 1", [phone]).fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


WEB_SERVERS = {
    "runserver": lambda port: [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
    "gunicorn": lambda port: [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-b", f"127.0.0.1:{port}",
                              "-w", "1", "--threads", "2", "--timeout", "60"],
}


@pytest.mark.parametrize("server", list(WEB_SERVERS))
def test_the_portal_recovers_from_a_postgresql_restart_and_sns_is_never_told_200_meanwhile(
        pg, portal_env, processes, server):
    port = pgcluster.free_port()
    base = f"http://127.0.0.1:{port}"
    url = portal_env["DATABASE_URL"]
    web = processes("web", WEB_SERVERS[server](port), portal_env)
    worker = processes("worker", [sys.executable, "manage.py", "qcluster"], portal_env)

    wait_until("/healthz answers 200", lambda: get(f"{base}/healthz") == 200, START_SECONDS, web, worker)
    # Before the fault: an inbound SMS is stored, routed, and its reply sent by the worker.
    assert post_sns(base, inbound_help("+12065550101")).status_code == 200
    wait_until("the worker sends the first reply", lambda: reply_status(url, "+12065550101") == "sent",
               START_SECONDS, web, worker)

    pg.stop("fast")
    # 503 is the contract's word; test_healthz_says_503_while_postgresql_is_down holds it to that.
    assert 500 <= (get(f"{base}/healthz") or 0) < 600
    during = inbound_help("+12065550102")
    for _ in range(3):  # every SNS retry while the database is away
        response = post_sns(base, during)
        assert 500 <= response.status_code < 600, (response.status_code, response.text)
    assert response.status_code == 503 and response.headers.get("Retry-After")

    outage_ends = time.monotonic()
    pg.start()
    wait_until("/healthz answers 200 again", lambda: get(f"{base}/healthz") == 200, RECOVER_SECONDS, web, worker)
    web_back_in = time.monotonic() - outage_ends
    # SNS's retry of the very body it could not deliver is now stored and acted on ...
    response = post_sns(base, during)
    assert response.status_code == 200 and response.text.startswith("stored"), response.text
    # ... and the worker, which lost its connections too, runs the reply's send task. (Measured:
    # about 10 s, because django-q2's pusher sleeps 10 s after a failed poll and is then
    # restarted by the sentinel; RECOVER_SECONDS leaves room for that.)
    wait_until("the worker sends the reply to the retried SMS",
               lambda: reply_status(url, "+12065550102") == "sent", RECOVER_SECONDS, web, worker)
    recovered_in = time.monotonic() - outage_ends
    print(f"{server}: after PostgreSQL came back, web served in {web_back_in:.1f} s, "
          f"the worker in {recovered_in:.1f} s")

    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT count(*) FROM messaging_snsnotification").fetchone()[0]
        inbound = conn.execute("SELECT count(*) FROM messaging_inboundsms").fetchone()[0]
    assert (stored, inbound) == (2, 2)  # nothing half-stored from the outage, nothing twice
    assert web.alive() and worker.alive()


def test_healthz_says_503_while_postgresql_is_down(pg, portal_env, processes):
    port = pgcluster.free_port()
    web = processes("web", WEB_SERVERS["runserver"](port), portal_env)
    wait_until("/healthz answers 200", lambda: get(f"http://127.0.0.1:{port}/healthz") == 200, START_SECONDS, web)
    pg.stop("fast")
    assert get(f"http://127.0.0.1:{port}/healthz") == 503
