"""Shared fixtures. One is autouse: the cache is emptied around every test, because the API's
throttle counters live there and would otherwise carry one test's requests into the next."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from messaging.api.keys import api_key_create
from messaging.inbound import notifications
from messaging.inbound import sns_verify as sns
from tests.support.browser import CHROMIUM, SCREENSHOTS, browser_on_the_real_clock
from tests.support.qcluster import QCluster, database_url
from tests.support.sns import SnsPoster, install_cert

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
    from messaging.transports.locmem import LocmemTransport

    path = "messaging.transports.locmem.LocmemTransport"
    for name in ("SMS_TRANSPORT", "EMAIL_TRANSPORT", "WHATSAPP_TRANSPORT", "VOICE_TRANSPORT"):
        setattr(settings, name, path)
    LocmemTransport.outbox = []
    LocmemTransport.fail_with = []
    _load.cache_clear()
    yield LocmemTransport
    _load.cache_clear()


@pytest.fixture
def qcluster_factory(transactional_db, settings):
    """Start ``n`` qcluster processes sharing this test's database; stopped at teardown.

    Use with ``transactional_db`` tests so that the workers see committed rows.
    """
    started = []

    def start(n: int = 1, **extra_env) -> QCluster:
        env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "portal.settings",
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
    with browser_on_the_real_clock():  # the driver and Chromium start now, with the environment of now
        p = sync_playwright().start()
    try:
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
    finally:
        p.stop()


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


# SNS signing with the test certificate, and no network (inbound and incident tests post to /sns/).
@pytest.fixture
def no_network(monkeypatch):
    def tripwire(*args, **kwargs):
        raise AssertionError(f"test tried to use the network: {args!r}")

    monkeypatch.setattr(sns.requests, "get", tripwire)
    monkeypatch.setattr(notifications.requests, "get", tripwire)


@pytest.fixture
def sns_certs(settings, tmp_path, no_network):
    settings.SNS_CERT_DIR = install_cert(tmp_path / "certs")
    settings.SNS_TOPIC_ARNS = []
    settings.SNS_MAX_AGE_SECONDS = 3600
    settings.SNS_AUTO_CONFIRM = False
    sns.clear_certificate_cache()
    yield settings
    sns.clear_certificate_cache()


@pytest.fixture
def post_sns(client, sns_certs, db, django_capture_on_commit_callbacks):
    return SnsPoster(client, django_capture_on_commit_callbacks)


def pytest_collection_modifyitems(config, items):
    """The three-host tests (tests/cluster/, ``make test-cluster``) run only when asked for by
    ``-m cluster``: they need root and network namespaces, and take minutes of real time."""
    if "cluster" in (config.getoption("markexpr") or ""):
        return
    chosen = [item for item in items if item.get_closest_marker("cluster") is None]
    if len(chosen) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("cluster")])
        items[:] = chosen
