"""Shared fixtures. One is autouse: the cache is emptied around every test, because the API's
throttle counters live there and would otherwise carry one test's requests into the next."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from messaging.api_keys import api_key_create

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(db):
    _, raw = api_key_create(name="tests")
    return raw


@pytest.fixture
def api(api_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


@pytest.fixture
def locmem(settings):
    """Route every channel to the in-memory transport; yields the outbox."""
    from messaging.transports import _load
    from messaging.transports.simulator import LocmemTransport

    path = "messaging.transports.simulator.LocmemTransport"
    for name in ("SMS_TRANSPORT", "EMAIL_TRANSPORT", "WHATSAPP_TRANSPORT", "VOICE_TRANSPORT"):
        setattr(settings, name, path)
    LocmemTransport.outbox = []
    LocmemTransport.fail_with = []
    _load.cache_clear()
    yield LocmemTransport
    _load.cache_clear()


def _database_url() -> str:
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


@pytest.fixture
def qcluster_factory(transactional_db, settings):
    """Start ``n`` qcluster processes sharing this test's database; stopped at teardown.

    Use with ``transactional_db`` tests so that the workers see committed rows.
    """
    started = []

    def start(n: int = 1, **extra_env) -> QCluster:
        env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "portal.settings",
               "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": str(settings.SIMULATOR_AUTO_DELIVER).lower(),
               "SIMULATOR_DELIVERY_DELAY_SECONDS": str(settings.SIMULATOR_DELIVERY_DELAY_SECONDS),
               "SNS_AUTO_CONFIRM": "false", "Q_WORKERS": "2", "LOG_LEVEL": "WARNING"}
        env.update({k: str(v) for k, v in extra_env.items()})
        env.pop("TEST_DATABASE_NAME", None)
        cluster = QCluster(n, env)
        started.append(cluster)
        return cluster

    yield start
    for c in started:
        c.stop()


@pytest.fixture
def qcluster(qcluster_factory):
    return qcluster_factory(1)


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll ``predicate`` until it is truthy; return its value, or fail the test at ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-results"


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's headless Chromium (never Playwright's own download).

    Use with ``live_server.url``; screenshots go to ``test-results/``.
    """
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard would refuse them without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture
def admin_login(django_user_model):
    """Log ``page`` into the admin at ``base_url`` as a new user; superuser unless groups are given."""

    def login(page, base_url: str, *, username: str = "admin", groups: tuple[str, ...] = ()):
        from django.contrib.auth.models import Group

        password = "pw-for-tests-123"
        if groups:
            from portal.roles import roles_sync

            roles_sync()  # a transactional test starts from a flushed database, without the groups
            user = django_user_model.objects.create_user(username, password=password, is_staff=True)
            user.groups.set(Group.objects.filter(name__in=groups))
        else:
            django_user_model.objects.create_superuser(username, "a@example.com", password)
        page.goto(f"{base_url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        return username

    return login


def together(*funcs, timeout: float = 30.0) -> list:
    """Run each function in its own thread, all released at the same moment, each on its own
    database connection, as concurrent requests or workers would. Re-raises the first error;
    returns the results in the order of ``funcs``."""
    barrier = threading.Barrier(len(funcs))
    results: list = [None] * len(funcs)
    errors: list[BaseException] = []

    def run(i, func):
        try:
            barrier.wait(timeout=10)
            results[i] = func()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(funcs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    return results
