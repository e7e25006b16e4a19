"""Throttles: per API key, and per client address for requests with a wrong key."""

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
    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"api_key": "3000/min",
                                                                        "api_failed_auth": "20/min"}


def test_the_21st_bad_key_in_a_minute_is_429_but_a_right_key_from_there_still_works():
    client = APIClient()
    answers = [client.get(LOG, HTTP_X_API_KEY=f"pk_guess_{i}").status_code for i in range(21)]
    assert answers == [401] * 20 + [429]
    refused = client.get(LOG, HTTP_X_API_KEY="pk_guess_more")
    assert refused.status_code == 429
    assert "bad API key" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another client behind the same address (a proxy, a NAT) is not locked out with its right key.
    assert client.get(LOG, HTTP_X_API_KEY=_key()).status_code == 200


def test_bad_bearer_tokens_count_too_and_a_missing_key_is_always_401():
    client = APIClient()
    for i in range(20):
        assert client.get(LOG).status_code == 401
        assert client.get(LOG, HTTP_AUTHORIZATION=f"Bearer pk_guess_{i}").status_code == 401
    assert client.get(LOG, HTTP_AUTHORIZATION="Bearer pk_more").status_code == 429
    assert client.get(LOG).status_code == 401  # no key is no guess: the contract's 401


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


def test_behind_a_trusted_proxy_each_client_has_its_own_bad_key_allowance(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR="10.0.0.5")  # every request arrives from the proxy
    for i in range(20):
        client.get(LOG, HTTP_X_API_KEY=f"pk_guess_{i}", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert client.get(LOG, HTTP_X_API_KEY="pk_x", HTTP_X_FORWARDED_FOR="203.0.113.50").status_code == 429
    # A forged left-hand entry does not help the guesser; another client behind the proxy is served.
    forged = client.get(LOG, HTTP_X_API_KEY="pk_y", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.50")
    assert forged.status_code == 429
    assert client.get(LOG, HTTP_X_API_KEY="pk_z", HTTP_X_FORWARDED_FOR="198.51.100.60").status_code == 401
