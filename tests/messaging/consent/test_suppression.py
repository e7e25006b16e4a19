"""SES bounces and complaints suppress later email; transient bounces do not.

The events are what the SNS pipeline produces from SES event publishing records
(https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html):
``Bounce`` with ``bounce.bounceType`` Permanent/Transient, and ``Complaint``.
"""

from __future__ import annotations

import copy

import pytest
from botocore.stub import Stubber
from django.core.management import call_command

from messaging.models import (
    AttemptRole,
    DeliveryEvent,
    EventType,
    MessageStatus,
    OutboundMessage,
    Suppression,
    SuppressionReason,
)
from messaging.outbound.send import message_send
from messaging.transports.clients import aws_client
from tests.support.aws import SES_BOUNCE, SES_BOUNCE_RAW
from tests.support.omnichannel import attempt, payload, send_event

pytestmark = pytest.mark.django_db

EMAIL_PC = {"channel": "email", "sender": "noreply@example.com", "recipient": "User@Example.com",
            "email": {"subject": "Your code", "text": "Your code is 1234"}}


@pytest.fixture
def sent_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        msg = message_send(channel="email", recipient="user@example.com", subject="Hi", body="Hello",
                           sender="noreply@example.com")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT
    return msg


def _event(run, message, event_type, provider_event, permanent=None, raw=None):
    with run(execute=True):
        from messaging.events.apply import delivery_event_apply
        from messaging.events.types import NormalizedEvent

        return delivery_event_apply(event=NormalizedEvent(
            event_type=event_type, provider_message_id=message.provider_message_id, channel="email",
            provider_event=provider_event, permanent=permanent, recipient=message.recipient, raw=raw or {}))


def _later_email(run):
    with run(execute=True):
        msg = message_send(channel="email", recipient="user@example.com", subject="Again", body="Hello again")
    msg.refresh_from_db()
    return msg


def test_a_permanent_bounce_suppresses_later_email(sent_email, django_capture_on_commit_callbacks):
    _event(django_capture_on_commit_callbacks, sent_email, EventType.BOUNCED, "Bounce", True, SES_BOUNCE_RAW)
    row = Suppression.objects.get(address="user@example.com")
    assert row.reason == SuppressionReason.BOUNCE and row.raw == SES_BOUNCE_RAW
    later = _later_email(django_capture_on_commit_callbacks)
    assert later.status == MessageStatus.SUPPRESSED and not later.provider_message_id


def test_a_complaint_suppresses_later_email(sent_email, django_capture_on_commit_callbacks):
    _event(django_capture_on_commit_callbacks, sent_email, EventType.COMPLAINED, "Complaint")
    assert Suppression.objects.get(address="user@example.com").reason == SuppressionReason.COMPLAINT
    assert _later_email(django_capture_on_commit_callbacks).status == MessageStatus.SUPPRESSED


@pytest.mark.parametrize("permanent", [False, None], ids=["Transient", "Undetermined"])
def test_a_transient_bounce_is_recorded_but_suppresses_nothing(sent_email, django_capture_on_commit_callbacks,
                                                               permanent):
    event = _event(django_capture_on_commit_callbacks, sent_email, EventType.BOUNCED, "Bounce", permanent)
    assert DeliveryEvent.objects.filter(pk=event.pk, message=sent_email, event_type=EventType.BOUNCED).exists()
    assert not Suppression.objects.exists()
    assert _later_email(django_capture_on_commit_callbacks).status == MessageStatus.SENT


def test_a_repeated_bounce_keeps_one_row(sent_email, django_capture_on_commit_callbacks):
    for _ in range(2):
        _event(django_capture_on_commit_callbacks, sent_email, EventType.BOUNCED, "Bounce", True)
    assert Suppression.objects.count() == 1


def test_an_sms_failure_never_touches_the_email_list(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sms = message_send(channel="sms", recipient="+12065550123", body="Hi")
    sms.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        send_event(sms, EventType.FAILED, "TEXT_BLOCKED", permanent=True)
    assert not Suppression.objects.exists()


def test_a_bounced_dispatch_email_suppresses_the_next_dispatch_to_it(api, django_capture_on_commit_callbacks):
    data = payload(use_case="broadcast", fc=EMAIL_PC)
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/messages/", data, format="json").json()
    email = attempt(first["id"], AttemptRole.FALLBACK)
    assert email.recipient == "user@example.com"
    _event(django_capture_on_commit_callbacks, email, EventType.BOUNCED, "Bounce", True)
    with django_capture_on_commit_callbacks(execute=True):
        second = api.post("/api/v1/messages/", data, format="json").json()
    assert attempt(second["id"], AttemptRole.FALLBACK).status == MessageStatus.SUPPRESSED
    assert attempt(second["id"]).status == MessageStatus.SENT


def test_the_admin_lists_and_removes_suppressions(admin_client):
    Suppression.objects.create(address="user@example.com", reason=SuppressionReason.BOUNCE)
    page = admin_client.get("/admin/messaging/suppression/?q=user%40example")
    assert page.status_code == 200 and b"user@example.com" in page.content
    row = Suppression.objects.get()
    response = admin_client.post("/admin/messaging/suppression/",
                                 {"action": "remove_from_list", "_selected_action": [row.pk]}, follow=True)
    assert response.status_code == 200
    assert not Suppression.objects.exists()
    assert not OutboundMessage.objects.exists()


# ---------------------------------------------------------------- SES account-level list
# https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutSuppressedDestination.html
# https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListSuppressedDestinations.html


@pytest.fixture
def sesv2(settings):
    settings.AWS_REGION = "us-east-1"
    import os

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    client = aws_client("sesv2")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _summary(address, reason):
    return {"EmailAddress": address, "Reason": reason, "LastUpdateTime": "2026-01-01T00:00:00Z"}


def test_sync_suppressions_pushes_local_and_pulls_remote(sesv2, capsys):
    client, stub = sesv2
    Suppression.objects.create(address="bounced@example.com", reason=SuppressionReason.BOUNCE)
    Suppression.objects.create(address="angry@example.com", reason=SuppressionReason.COMPLAINT)
    Suppression.objects.create(address="both@example.com", reason=SuppressionReason.BOUNCE)
    Suppression.objects.create(address="byhand@example.com", reason=SuppressionReason.MANUAL)
    stub.add_response("list_suppressed_destinations",
                      {"SuppressedDestinationSummaries": [_summary("both@example.com", "BOUNCE")],
                       "NextToken": "page-2"}, {})
    stub.add_response("list_suppressed_destinations",
                      {"SuppressedDestinationSummaries": [_summary("Remote@Example.com", "COMPLAINT")]},
                      {"NextToken": "page-2"})
    stub.add_response("put_suppressed_destination", {},
                      {"EmailAddress": "angry@example.com", "Reason": "COMPLAINT"})
    stub.add_response("put_suppressed_destination", {},
                      {"EmailAddress": "bounced@example.com", "Reason": "BOUNCE"})
    call_command("sync_suppressions", client=client)
    remote = Suppression.objects.get(address="remote@example.com")
    assert remote.reason == SuppressionReason.COMPLAINT
    out = capsys.readouterr().out
    assert "2 pushed, 1 pulled, 1 local only" in out and "byhand@example.com" in out


def test_sync_suppressions_dry_run_changes_nothing(sesv2, capsys):
    client, stub = sesv2
    Suppression.objects.create(address="bounced@example.com", reason=SuppressionReason.BOUNCE)
    stub.add_response("list_suppressed_destinations",
                      {"SuppressedDestinationSummaries": [_summary("remote@example.com", "BOUNCE")]}, {})
    call_command("sync_suppressions", "--dry-run", client=client)
    assert not Suppression.objects.filter(address="remote@example.com").exists()
    assert "would push to SES: bounced@example.com" in capsys.readouterr().out


def test_a_bounce_naming_two_recipients_suppresses_both(db):
    from messaging.events.apply import delivery_event_apply
    from messaging.events.aws import parse_ses_event

    record = copy.deepcopy(SES_BOUNCE)
    record["bounce"]["bouncedRecipients"] = [{"emailAddress": "One@Example.com"}, {"emailAddress": "two@example.com"}]
    event = parse_ses_event(record)
    assert event.recipients == ("one@example.com", "two@example.com")

    delivery_event_apply(event=event)

    assert set(Suppression.objects.values_list("address", flat=True)) == {"one@example.com", "two@example.com"}
