"""The admin login, guessed at: django-axes locks a username from one address after a few wrong
passwords, even against the right one, until the cool-off passes or an admin resets it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.http import HttpRequest

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-for-tests-42"
ATTACKER = "203.0.113.7"
DESK = "198.51.100.20"


@pytest.fixture
def dispatcher(django_user_model):
    return django_user_model.objects.create_user("dana", password=PASSWORD, is_staff=True)


def attempt(client, password, *, address=ATTACKER, username="dana"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def lock_out(client, settings, *, address=ATTACKER):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = attempt(client, "guess", address=address)
        assert r.status_code == 200 and "Please enter the correct username and password" in r.content.decode()
    return attempt(client, "guess", address=address)


def test_the_fifth_wrong_password_locks_the_login_even_against_the_right_one(client, dispatcher, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    r = lock_out(client, settings)
    assert r.status_code == 429
    page = r.content.decode()
    assert "Login locked" in page and "dana" in page and "0:15:00" in page

    r = attempt(client, PASSWORD)
    assert r.status_code == 429 and "Login locked" in r.content.decode()
    assert not logged_in(client)


def test_the_lock_is_per_username_and_address(client, dispatcher, django_user_model, settings):
    django_user_model.objects.create_user("omar", password=PASSWORD, is_staff=True)
    assert lock_out(client, settings).status_code == 429
    # Guessing from elsewhere does not lock dana out at her own desk, nor other users.
    assert attempt(client, PASSWORD, username="omar").status_code == 302
    client.logout()
    assert attempt(client, PASSWORD, address=DESK).status_code == 302
    assert logged_in(client)


def test_a_right_password_before_the_limit_starts_the_count_again(client, dispatcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "guess")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "guess").status_code == 200
    assert attempt(client, PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, dispatcher, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    assert lock_out(client, settings).status_code == 429
    assert attempt(client, PASSWORD).status_code == 429
    time.sleep(1.5)
    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_axes_reset_lifts_the_lock_at_once(client, dispatcher, settings):
    assert lock_out(client, settings).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_tests_can_still_log_in_with_the_client(client, dispatcher):
    # axes' backend needs the request; force_login needs no password at all.
    assert client.login(request=HttpRequest(), username="dana", password=PASSWORD)
    assert logged_in(client)
    client.logout()
    client.force_login(dispatcher)
    assert logged_in(client)


# --- Behind a TLS proxy (TRUSTED_PROXY_COUNT) ---
PROXY = "10.0.0.5"  # every request reaches the portal from the proxy's address
CLIENT_A, CLIENT_B = "203.0.113.50", "198.51.100.60"


def through_proxy(client, password, *, client_address, forged=None):
    # The proxy appends the address it was reached from; a client may send its own header first.
    chain = f"{forged}, {client_address}" if forged else client_address
    return client.post("/admin/login/?next=/admin/", {"username": "dana", "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)


def test_behind_one_proxy_a_guesser_does_not_lock_the_real_user_out(client, dispatcher, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = through_proxy(client, "guess", client_address=CLIENT_A)
    assert last.status_code == 429
    # Client A stays locked, whatever it writes into its own X-Forwarded-For.
    assert through_proxy(client, PASSWORD, client_address=CLIENT_A, forged=CLIENT_B).status_code == 429
    # Dana, at her own desk behind the same proxy, logs in.
    assert through_proxy(client, PASSWORD, client_address=CLIENT_B).status_code == 302
    assert logged_in(client)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_without_a_trusted_proxy_a_forged_x_forwarded_for_is_ignored(client, dispatcher, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # A fresh forged address per try buys no fresh count: the fifth locks the connection's address.
    answers = [client.post("/admin/login/?next=/admin/", {"username": "dana", "password": "guess"},
                           REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
               for i in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_a_header_that_is_no_address_falls_back_to_the_connection(client, dispatcher, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = client.post("/admin/login/?next=/admin/", {"username": "dana", "password": "guess"},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown")
    assert last.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
