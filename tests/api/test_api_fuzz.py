"""Fuzzing /api/v1/ from its own OpenAPI schema (schemathesis): no input may make it answer 5xx.

Schemathesis reads /api/schema/ from Django's WSGI application in-process, generates valid and
invalid requests for every operation, and sends them through the whole Django stack with a
full-rights key, on the test database. Nothing leaves the process: transports are simulators and
after-commit work (the sends) never runs inside a test transaction.

Bounded and deterministic, so that CI neither waits nor flakes: a fixed seed, derandomized
generation, no example database, and MAX_EXAMPLES per operation.
"""

from __future__ import annotations

import copy

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.config import SchemathesisConfig

from messaging.api.keys import api_key_create

MAX_EXAMPLES = 25
SEED = 20261202


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "suppress-health-check": ["all"],  # our fixtures are per test, on purpose
        "generation": {
            "mode": "all",                  # valid and invalid requests
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",             # no .hypothesis folder, no replay from earlier runs
            "with-security-parameters": False,  # the key is ours; random keys only meet the throttle
            "allow-x00": True,
        },
        "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True},
                   "coverage": {"enabled": False}, "stateful": {"enabled": False}},
    })


def _load_schema():
    from portal.wsgi import application  # Django's WSGI handler; only the fuzzer calls it directly

    # Read at collection, before any database exists: the schema view touches none.
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=_config())


schema = _load_schema()


@pytest.fixture(autouse=True)
def _in_process_django(db, settings):
    # The key throttle would answer 429 long before the fuzzer runs out of cases.
    rest = copy.deepcopy(django_settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"]["api_key"] = None
    settings.REST_FRAMEWORK = rest
    cache.clear()
    # As django.test.Client does: a request's start and end must not close the connection that
    # holds the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
    cache.clear()


@pytest.fixture
def fuzz_key(db) -> str:
    return api_key_create(name="fuzz")[1]


@schema.parametrize()
def test_no_generated_request_gets_a_5xx(case, fuzz_key):
    response = case.call(headers={"X-Api-Key": fuzz_key})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n"
        f"query={case.query!r} body={case.body!r}\n{response.text[:2000]}")
