"""Throttles: per API key, and per client address for requests with a bad or missing key."""

from __future__ import annotations

import copy
import time

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from messaging.api.keys import api_key_create

pytestmark = pytest.mark.django_db

LOG = "/api/v1/message-log/"


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test: rates(api_key="5/min")."""

    def set_rates(**changes):
        rest = copy.deepcopy(django_settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"].update(changes)
        settings.REST_FRAMEWORK = rest

    return set_rates


def _key() -> str:
    return api_key_create(name="throttled")[1]


def test_the_defaults_are_generous_for_keys_and_strict_for_bad_keys():
    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"api_key": "600/min",
                                                                        "api_failed_auth": "20/min"}


def test_the_21st_bad_key_in_a_minute_is_429_and_then_even_a_good_key_from_there_waits():
    client = APIClient()
    answers = [client.get(LOG, HTTP_X_API_KEY=f"pk_guess_{i}").status_code for i in range(21)]
    assert answers == [401] * 20 + [429]
    refused = client.get(LOG, HTTP_X_API_KEY=_key())
    # Same answer for a right key as for a wrong one: guessing learns nothing while refused.
    assert refused.status_code == 429
    assert "bad or missing API key" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 60


def test_missing_keys_and_bad_bearer_tokens_count_too():
    client = APIClient()
    for i in range(10):
        assert client.get(LOG).status_code == 401
        assert client.get(LOG, HTTP_AUTHORIZATION=f"Bearer pk_guess_{i}").status_code == 401
    assert client.get(LOG).status_code == 429
    assert client.get(LOG, HTTP_AUTHORIZATION="Bearer pk_more").status_code == 429


def test_another_address_is_not_held_up_and_x_forwarded_for_does_not_buy_a_fresh_address():
    client = APIClient()
    for i in range(20):
        client.get(LOG, HTTP_X_API_KEY=f"pk_guess_{i}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert client.get(LOG, HTTP_X_API_KEY="pk_x", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
    assert client.get(LOG, HTTP_X_API_KEY=_key(), REMOTE_ADDR="203.0.113.7").status_code == 200


def test_good_keys_do_not_use_up_the_bad_key_allowance():
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=_key())
    assert all(client.get(LOG).status_code == 200 for _ in range(30))
    assert APIClient().get(LOG, HTTP_X_API_KEY="pk_guess").status_code == 401


def test_each_key_has_its_own_allowance(rates):
    rates(api_key="5/min")
    first, second = APIClient(), APIClient()
    first.credentials(HTTP_X_API_KEY=_key())
    second.credentials(HTTP_X_API_KEY=_key())
    assert [first.get(LOG).status_code for _ in range(6)] == [200] * 5 + [429]
    assert "Retry-After" in first.get(LOG)
    assert second.get(LOG).status_code == 200


def test_the_bad_key_allowance_comes_back_when_its_window_has_passed(rates):
    rates(api_failed_auth="3/s")
    client = APIClient()
    assert [client.get(LOG, HTTP_X_API_KEY="pk_guess").status_code for _ in range(4)] == [401, 401, 401, 429]
    time.sleep(1.1)
    assert client.get(LOG, HTTP_X_API_KEY="pk_guess").status_code == 401


def test_an_empty_rate_switches_a_throttle_off(rates):
    rates(api_failed_auth=None)
    client = APIClient()
    assert all(client.get(LOG, HTTP_X_API_KEY="pk_guess").status_code == 401 for _ in range(40))
