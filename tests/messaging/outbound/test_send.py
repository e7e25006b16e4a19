"""The send service: logging, suppression, idempotent delivery, retries and failures."""

import pytest
from botocore.stub import Stubber

from messaging.consent.optouts import optout_record
from messaging.models import MessageStatus, OptOut, OutboundMessage, Suppression
from messaging.outbound.deliver import message_deliver
from messaging.outbound.send import message_send
from messaging.transports import _load
from messaging.transports.base import PermanentError, TransientError

pytestmark = pytest.mark.django_db


def test_a_simulated_sms_is_logged_sent_and_gets_a_provider_id(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550100", body="Hello")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT
    assert msg.provider_message_id.startswith("sim-")
    assert msg.parts == 1
    assert msg.sent_at is not None


def test_auto_delivery_emits_an_event_that_marks_the_message_delivered(settings, django_capture_on_commit_callbacks):
    settings.SIMULATOR_AUTO_DELIVER = True
    settings.SIMULATOR_DELIVERY_DELAY_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550100", body="Hello")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.DELIVERED
    event = msg.events.get()
    assert event.provider_event == "TEXT_DELIVERED"
    assert event.notification is not None  # it went through the SNS notification pipeline


def test_every_channel_sends_through_its_simulator(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sms = message_send(channel="sms", recipient="+12065550100", body="a")
        email = message_send(channel="email", recipient="Ana@Example.com", subject="s", body="b")
        wa = message_send(channel="whatsapp", recipient="+12065550100", body="c")
        voice = message_send(channel="voice", recipient="+12065550100", body="d")
    statuses = set(OutboundMessage.objects.filter(pk__in=[sms.pk, email.pk, wa.pk, voice.pk])
                   .values_list("status", flat=True))
    assert statuses == {MessageStatus.SENT}
    email.refresh_from_db()
    assert email.recipient == "ana@example.com"
    wa.refresh_from_db()
    assert wa.provider_alt_id.startswith("wamid.")


def test_an_opted_out_number_is_logged_suppressed_and_never_handed_to_a_provider(locmem,
                                                                               django_capture_on_commit_callbacks):
    optout_record(phone="+12065550100", keyword="STOP", source="keyword")
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550100", body="Hello")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SUPPRESSED
    assert locmem.outbox == []


def test_a_suppressed_email_address_is_not_sent_to(locmem, django_capture_on_commit_callbacks):
    Suppression.objects.create(address="bounced@example.com", reason="bounce")
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="email", recipient="Bounced@example.com", subject="s", body="b")
    assert OutboundMessage.objects.get(pk=msg.pk).status == MessageStatus.SUPPRESSED
    assert locmem.outbox == []


def test_delivery_runs_once_even_when_the_task_runs_twice(locmem, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550100", body="Once")
    assert message_deliver(message_id=msg.pk) == "not-claimed"
    assert len(locmem.outbox) == 1


def test_a_transient_error_retries_later_then_succeeds(locmem, settings, django_capture_on_commit_callbacks):
    locmem.fail_with = [TransientError("Rate exceeded", code="ThrottlingException")]
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550100", body="Hi")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.QUEUED
    assert "retrying" in msg.error and msg.error_code == "ThrottlingException"
    # The retry is a delayed task; running it (as the worker would at its time) delivers.
    assert message_deliver(message_id=msg.pk) == "sent"
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and msg.attempts == 2 and msg.error == ""


def test_transient_errors_stop_after_the_bounded_number_of_retries(locmem, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.SEND_MAX_RETRIES = 2
    locmem.fail_with = [TransientError("Rate exceeded", code="ThrottlingException") for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550100", body="Hi")
    message_deliver(message_id=msg.pk)
    message_deliver(message_id=msg.pk)
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED
    assert "gave up after 3 attempts" in msg.error
    assert locmem.fail_with  # not every prepared error was consumed: no endless retrying


def test_a_permanent_error_fails_the_row_with_a_readable_reason_and_an_event(locmem,
                                                                           django_capture_on_commit_callbacks):
    locmem.fail_with = [PermanentError("The destination phone number is not valid", code="ValidationException")]
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="sms", recipient="+12065550100", body="Hi")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED
    assert msg.error_code == "ValidationException"
    assert "not valid" in msg.error
    assert msg.events.get().event_type == "failed"


def test_aws_opted_out_error_records_an_opt_out(settings, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.SMS_TRANSPORT = "aws"
    _load.cache_clear()
    transport = _load("messaging.transports.aws.SmsTransport")
    client = transport.client
    with Stubber(client) as stub:
        stub.add_client_error("send_text_message", service_error_code="ConflictException",
                              service_message="Opted out", http_status_code=400,
                              response_meta={"RequestId": "r1"},
                              modeled_fields={"Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT",
                                              "ResourceType": "opt-out", "ResourceId": "+12065550100"})
        with django_capture_on_commit_callbacks(execute=True):
            msg = message_send(channel="sms", recipient="+12065550100", body="Hi")
    _load.cache_clear()
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED
    assert OptOut.objects.get(phone="+12065550100").source == "provider"


def test_a_bad_recipient_is_refused_before_anything_is_logged():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        message_send(channel="sms", recipient="555-0100", body="x")
    with pytest.raises(ValidationError):
        message_send(channel="email", recipient="not-an-address", body="x")
    assert OutboundMessage.objects.count() == 0
