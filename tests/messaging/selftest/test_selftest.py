"""The pager's self-test: a test SMS once per period that the simulator echoes back through /sns/,
its round trip on /metrics, and an email (not an SMS) when it does not come back in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from messaging.inbound.router import inbound_sms_store
from messaging.models import Channel, InboundSms, OutboundMessage, SelfTestRun, SelfTestState
from messaging.scheduling.timers import timers_fire_due
from messaging.selftest.handler import self_test_handler
from messaging.selftest.services import self_test_tick
from messaging.simulator.events import notification_ingest_local, simulated_inbound_message

pytestmark = pytest.mark.django_db
NUMBER = "+15550009999"
T0 = datetime(2031, 5, 6, 7, 1, 30, tzinfo=UTC)  # fixed: nothing here depends on today
TOKEN = "scrape-me-self-test"


@pytest.fixture
def self_test(settings):
    settings.SELF_TEST_NUMBER = NUMBER
    settings.SELF_TEST_MINUTES = 15
    settings.SELF_TEST_TIMEOUT_SECONDS = 60
    settings.SELF_TEST_ALERT_EMAILS = ["ops@example.com", "lead@example.com"]
    settings.SMS_TRANSPORT = settings.EMAIL_TRANSPORT = "simulator"
    settings.METRICS_TOKEN = TOKEN


def _scrape(client) -> dict[str, float]:
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    return {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
            if line.startswith("portal_self_test")}


def test_without_a_number_nothing_is_sent(run, settings):
    settings.SELF_TEST_NUMBER = ""
    assert run(self_test_tick, now=T0) == "off"
    assert not SelfTestRun.objects.exists() and not OutboundMessage.objects.exists()


def test_the_simulator_echoes_the_test_sms_and_metrics_publish_the_round_trip(run, self_test, client):
    assert run(self_test_tick, now=T0).startswith("sent ")
    sms = OutboundMessage.objects.get(channel=Channel.SMS)
    test_run = SelfTestRun.objects.get()
    assert sms.recipient == NUMBER and test_run.nonce in sms.body and sms.owner == test_run
    echo = InboundSms.objects.get(origination_number=NUMBER)  # came back through the SNS pipeline
    assert echo.handled_by == "messaging.selftest.handler.self_test_handler"
    test_run.refresh_from_db()
    assert test_run.state == SelfTestState.OK and test_run.round_trip_seconds >= 0
    assert not OutboundMessage.objects.filter(recipient=NUMBER).exclude(pk=sms.pk).exists()  # no answer to the echo
    metrics = _scrape(client)
    assert metrics["portal_self_test_last_success_timestamp_seconds"] == test_run.answered_at.timestamp()
    assert metrics["portal_self_test_round_trip_seconds"] == test_run.round_trip_seconds
    assert metrics["portal_self_test_last_failure_timestamp_seconds"] == 0
    # The deadline finds it answered and tells nobody.
    timers_fire_due(now=T0 + timedelta(minutes=5))
    assert not OutboundMessage.objects.filter(channel=Channel.EMAIL).exists()


def test_once_per_period_however_many_ticks(run, self_test):
    for seconds in (0, 30, 60, 400):  # ticks of several clusters within one 15-minute period
        run(self_test_tick, now=T0 + timedelta(seconds=seconds))
    assert SelfTestRun.objects.count() == 1
    run(self_test_tick, now=T0 + timedelta(minutes=15))
    assert SelfTestRun.objects.count() == 2
    assert OutboundMessage.objects.filter(channel=Channel.SMS, recipient=NUMBER).count() == 2


def test_no_echo_in_time_emails_the_alert_addresses_and_sends_no_sms(run, self_test, client, monkeypatch):
    # The test SMS goes out, but nothing comes back (the SNS topic's subscription is broken, say).
    monkeypatch.setattr("messaging.tasks.simulator_echo", lambda **kwargs: None)
    run(self_test_tick, now=T0)
    test_run = SelfTestRun.objects.get()
    assert run(timers_fire_due, now=T0 + timedelta(seconds=59)) == 0
    run(timers_fire_due, now=T0 + timedelta(seconds=60))
    test_run.refresh_from_db()
    assert test_run.state == SelfTestState.FAILED
    emails = OutboundMessage.objects.filter(channel=Channel.EMAIL)
    assert sorted(emails.values_list("recipient", flat=True)) == ["lead@example.com", "ops@example.com"]
    assert all("did not come back within 60 s" in e.body and NUMBER in e.body for e in emails)
    assert OutboundMessage.objects.filter(channel=Channel.SMS).count() == 1  # only the test itself
    assert not OutboundMessage.objects.filter(channel=Channel.VOICE).exists()  # voice is not Connect here
    assert _scrape(client)["portal_self_test_last_failure_timestamp_seconds"] == T0.timestamp()
    assert _scrape(client)["portal_self_test_last_success_timestamp_seconds"] == 0


def test_an_echo_is_taken_before_the_keyword_and_shift_handlers_whoever_sends_it(run, self_test, monkeypatch):
    monkeypatch.setattr("messaging.tasks.simulator_echo", lambda **kwargs: None)  # the reply comes by hand
    run(self_test_tick, now=T0)
    nonce = SelfTestRun.objects.get().nonce
    # A second origination identity of ours: the test arrives from our own number, in upper case.
    notification_ingest_local(message=simulated_inbound_message(phone="+18005550100",
                                                                body=f"STOP SELF-TEST {nonce.upper()}"))
    inbound = InboundSms.objects.get()
    assert inbound.handled_by.endswith("self_test_handler") and "back in" in inbound.outcome
    assert SelfTestRun.objects.get().state == SelfTestState.OK


def test_text_that_only_looks_like_a_self_test_goes_on_to_the_other_handlers(run, self_test):
    inbound, _ = inbound_sms_store(payload=simulated_inbound_message(phone="+15550004321",
                                                                     body="self-test 0123456789ab"))
    assert self_test_handler(inbound) is None
    assert not SelfTestRun.objects.exists()
