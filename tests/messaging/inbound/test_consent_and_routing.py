"""Inbound two-way SMS through /sns/: consent keywords first, then the handler list; opt-outs."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from django.core.management import call_command
from django.core.management.base import CommandError

from messaging.consent.keywords import OPT_IN_REPLY, OPT_OUT_REPLY
from messaging.consent.optouts import phone_is_opted_out
from messaging.inbound.handlers import HandlerResult
from messaging.models import (
    InboundSms,
    InboundStatus,
    MessageStatus,
    NotificationStatus,
    OptOut,
    OutboundMessage,
    SnsNotification,
)
from messaging.outbound.send import message_send
from tests.support.aws import INBOUND_TWO_WAY_SMS

pytestmark = pytest.mark.django_db

PHONE = INBOUND_TWO_WAY_SMS["originationNumber"]
_counter = iter(range(10**6))


def text(post_sns, body: str, phone: str = PHONE, **extra) -> InboundSms:
    """The phone ``phone`` texts ``body``: the documented payload, a fresh inboundMessageId."""
    payload = INBOUND_TWO_WAY_SMS | {"originationNumber": phone, "messageBody": body,
                                     "messageKeyword": body.split()[0].upper() if body.split() else "",
                                     "inboundMessageId": f"in-{next(_counter)}"} | extra
    response, _ = post_sns.message(payload)
    assert response.status_code == 200
    return InboundSms.objects.get(inbound_message_id=payload["inboundMessageId"])


def replies(phone: str = PHONE) -> list[tuple[str, str]]:
    return list(OutboundMessage.objects.filter(recipient=phone, channel="sms").order_by("id")
                .values_list("body", "status"))


def test_the_documented_inbound_sms_is_stored_with_every_field(post_sns):
    response, envelope = post_sns.message(INBOUND_TWO_WAY_SMS)
    assert response.status_code == 200
    row = InboundSms.objects.get()
    assert (row.inbound_message_id, row.origination_number, row.destination_number, row.keyword, row.body,
            row.previous_published_message_id) == (
        "cae173d2-66b9-564c-8309-21f858e9fb84", "+14255550182", "+12125550101", "JOIN", "EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert row.notification.message_id == envelope["MessageId"]
    assert row.raw == INBOUND_TWO_WAY_SMS
    # The sender is on no allow-list: the shift handler records why, ignores it, and answers nothing.
    assert (row.status, row.handled_by, row.reply) == (InboundStatus.IGNORED, "shifts.inbound.shift_command_handler",
                                                       "")
    assert "allow-list" in row.outcome


@pytest.mark.parametrize("keyword", ["STOP", "ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE",
                                     "TD", "UNSUBSCRIBE"])
def test_every_opt_out_keyword_opts_out_with_one_confirmation(post_sns, keyword, locmem):
    row = text(post_sns, keyword)
    assert (row.status, row.handled_by) == (InboundStatus.HANDLED, "messaging.consent.consent_handler")
    assert row.reply == OPT_OUT_REPLY
    opt = OptOut.objects.get(phone=PHONE)
    assert (opt.active, opt.keyword, opt.source) == (True, keyword, "keyword")
    assert opt.opted_out_at is not None
    # The confirmation is the one message that still goes to the opted-out number.
    assert replies() == [(OPT_OUT_REPLY, MessageStatus.SENT)]
    text(post_sns, keyword)
    assert replies() == [(OPT_OUT_REPLY, MessageStatus.SENT)]  # one confirmation only


@pytest.mark.parametrize("body", ["stop", "  Stop  ", "STOP please", "stop.", "Stop!", "\tsToP\n"])
def test_keywords_are_case_insensitive_on_the_trimmed_first_word(post_sns, body):
    text(post_sns, body)
    assert phone_is_opted_out(phone=PHONE)


@pytest.mark.parametrize("body", ["please stop", "STOPPED", "non-stop", "", "   "])
def test_stop_elsewhere_is_not_a_keyword(post_sns, body):
    text(post_sns, body)
    assert not OptOut.objects.exists()


def test_opted_out_numbers_get_suppressed_sms_that_never_reach_a_provider(post_sns, locmem):
    text(post_sns, "STOP")
    locmem.outbox.clear()
    m = message_send(channel="sms", recipient=PHONE, body="Shift tomorrow?")
    assert m.status == MessageStatus.SUPPRESSED
    assert locmem.outbox == []
    # The message log (what the API shows) says so.
    assert replies()[-1] == ("Shift tomorrow?", MessageStatus.SUPPRESSED)


@pytest.mark.parametrize("keyword", ["START", "unstop"])
def test_start_and_unstop_opt_back_in(post_sns, keyword, locmem):
    text(post_sns, "STOP")
    row = text(post_sns, keyword)
    assert row.reply == OPT_IN_REPLY
    opt = OptOut.objects.get(phone=PHONE)
    assert (opt.active, opt.opted_in_at is not None) == (False, True)
    assert message_send(channel="sms", recipient=PHONE, body="Welcome back").status == MessageStatus.QUEUED
    # Stopping again works, with a fresh confirmation.
    text(post_sns, "STOP")
    assert OptOut.objects.get(phone=PHONE).active
    assert [b for b, _ in replies()].count(OPT_OUT_REPLY) == 2


def test_help_gets_the_configurable_help_text(post_sns, settings):
    settings.SMS_HELP_TEXT = "Acme ops alerts. Call 555-0100. Reply STOP to opt out."
    row = text(post_sns, "help")
    assert row.reply == settings.SMS_HELP_TEXT
    assert replies() == [(settings.SMS_HELP_TEXT, MessageStatus.SENT)]
    assert not OptOut.objects.exists()


def test_help_is_answered_even_after_stop(post_sns):
    text(post_sns, "STOP")
    text(post_sns, "HELP")
    assert replies()[-1][1] == MessageStatus.SENT


def test_replies_go_out_through_the_send_service_from_the_number_texted(post_sns):
    text(post_sns, "HELP")
    reply = OutboundMessage.objects.get(recipient=PHONE)
    assert reply.sender == INBOUND_TWO_WAY_SMS["destinationNumber"]
    assert reply.provider_message_id.startswith("sim-")  # delivered by the (simulator) transport
    assert reply.owner == InboundSms.objects.get()


# --------------------------------------------------------------------------- the handler list


def taking_handler(inbound):
    if inbound.body.upper().startswith("PING"):
        return HandlerResult(outcome="pong sent", reply="PONG")
    return None


def silent_handler(inbound):
    return HandlerResult(outcome="took it, nothing to say")


def exploding_handler(inbound):
    if inbound.body == "boom":
        raise RuntimeError("handler bug")
    return None


def test_handlers_run_in_settings_order_and_the_first_taker_wins(post_sns, settings):
    here = "tests.messaging.inbound.test_consent_and_routing"
    settings.INBOUND_SMS_HANDLERS = ["messaging.consent.consent_handler", f"{here}.taking_handler",
                                     f"{here}.silent_handler"]
    row = text(post_sns, "ping")
    assert (row.handled_by, row.outcome, row.reply) == (f"{here}.taking_handler", "pong sent", "PONG")
    row = text(post_sns, "anything")
    assert (row.handled_by, row.outcome, row.reply) == (f"{here}.silent_handler", "took it, nothing to say", "")
    row = text(post_sns, "STOP ping")  # consent comes first, whatever else the text says
    assert row.handled_by == "messaging.consent.consent_handler"
    assert replies() == [("PONG", MessageStatus.SENT), (OPT_OUT_REPLY, MessageStatus.SENT)]


def test_a_handler_exception_fails_both_rows_and_the_admin_rerun_processes_it(post_sns, settings, admin_client):
    here = "tests.messaging.inbound.test_consent_and_routing"
    settings.INBOUND_SMS_HANDLERS = ["messaging.consent.consent_handler", f"{here}.exploding_handler",
                                     f"{here}.taking_handler"]
    row = text(post_sns, "boom")
    assert row.status == InboundStatus.FAILED and "handler bug" in row.error
    n = SnsNotification.objects.get()
    assert n.status == NotificationStatus.FAILED and "handler bug" in n.error

    # Fixed (here: the buggy handler removed), then re-run from the admin.
    settings.INBOUND_SMS_HANDLERS = ["messaging.consent.consent_handler", f"{here}.silent_handler"]
    response = admin_client.post("/admin/messaging/snsnotification/", {
        "action": "rerun_processing", "_selected_action": [n.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 ok" in response.content.decode()
    n.refresh_from_db()
    row.refresh_from_db()
    assert n.status == NotificationStatus.PROCESSED
    assert (row.status, row.handled_by, row.error) == (InboundStatus.HANDLED, f"{here}.silent_handler", "")
    assert InboundSms.objects.count() == 1


def test_a_failing_handler_rolls_back_its_own_work(post_sns, settings):
    here = "tests.messaging.inbound.test_consent_and_routing"
    settings.INBOUND_SMS_HANDLERS = [f"{here}.opt_out_then_explode"]
    text(post_sns, "whatever")
    assert not OptOut.objects.exists()


def opt_out_then_explode(inbound):
    from messaging.consent.optouts import optout_record

    optout_record(phone=inbound.origination_number, keyword="X", source="keyword")
    raise RuntimeError("after writing")


# --------------------------------------------------------------------------- AWS opt-outs


def _stubbed_sms_transport(settings):
    from messaging.transports import _load, get_transport

    settings.SMS_TRANSPORT = "aws"
    _load.cache_clear()
    transport = get_transport("sms")
    client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    transport._client = client
    return Stubber(client)


def test_an_aws_opted_out_error_records_an_opt_out(settings, django_capture_on_commit_callbacks):
    from messaging.transports import _load

    stubber = _stubbed_sms_transport(settings)
    stubber.add_client_error(
        "send_text_message", service_error_code="ConflictException", http_status_code=400,
        service_message="The destination phone number is opted out.",
        response_meta={"Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"},
        modeled_fields={"Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT", "ResourceType": "opt-out-list",
                        "ResourceId": "Default"},
    )
    try:
        with stubber, django_capture_on_commit_callbacks(execute=True):
            m = message_send(channel="sms", recipient="+12065550188", body="Hello")
        stubber.assert_no_pending_responses()
    finally:
        _load.cache_clear()
    m.refresh_from_db()
    assert (m.status, m.error_code) == (MessageStatus.FAILED, "DESTINATION_PHONE_NUMBER_OPTED_OUT")
    opt = OptOut.objects.get(phone="+12065550188")
    assert (opt.active, opt.source, opt.keyword) == (True, "provider", "AWS_OPTED_OUT")
    assert message_send(channel="sms", recipient="+12065550188", body="again").status == MessageStatus.SUPPRESSED


def _sms_voice_client():
    return boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_sync_opt_outs_puts_active_and_removes_opted_in_numbers(settings, monkeypatch):
    from messaging.consent.optouts import optin_record, optout_record
    from messaging.transports import clients

    settings.SMS_OPT_OUT_LIST = "portal-opt-outs"
    optout_record(phone="+12065550101", keyword="STOP", source="keyword")
    optout_record(phone="+12065550102", keyword="", source="admin")
    optout_record(phone="+12065550103", keyword="STOP", source="keyword")
    optin_record(phone="+12065550103")
    client = _sms_voice_client()
    stubber = Stubber(client)
    for phone in ("+12065550101", "+12065550102"):
        stubber.add_response("put_opted_out_number", {
            "OptOutListArn": "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/portal-opt-outs",
            "OptOutListName": "portal-opt-outs", "OptedOutNumber": phone, "OptedOutTimestamp": 1700000000,
            "EndUserOptedOut": False,
        }, {"OptOutListName": "portal-opt-outs", "OptedOutNumber": phone})
    stubber.add_response("delete_opted_out_number", {
        "OptOutListArn": "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/portal-opt-outs",
        "OptOutListName": "portal-opt-outs", "OptedOutNumber": "+12065550103", "OptedOutTimestamp": 1700000000,
        "EndUserOptedOut": False,
    }, {"OptOutListName": "portal-opt-outs", "OptedOutNumber": "+12065550103"})
    monkeypatch.setattr(clients, "aws_client", lambda service: client)
    with stubber:
        call_command("sync_opt_outs")
    stubber.assert_no_pending_responses()


def test_sync_opt_outs_pull_imports_numbers_only_aws_knows(settings, monkeypatch):
    from messaging.transports import clients

    settings.SMS_OPT_OUT_LIST = "Default"
    client = _sms_voice_client()
    stubber = Stubber(client)
    stubber.add_response("describe_opted_out_numbers", {
        "OptOutListArn": "arn:aws:sms-voice:us-east-1:123456789012:opt-out-list/Default", "OptOutListName": "Default",
        "OptedOutNumbers": [{"OptedOutNumber": "+12065550199", "OptedOutTimestamp": 1700000000,
                             "EndUserOptedOut": True}],
    }, {"OptOutListName": "Default"})
    monkeypatch.setattr(clients, "aws_client", lambda service: client)
    with stubber:
        call_command("sync_opt_outs", "--pull")
    opt = OptOut.objects.get(phone="+12065550199")
    assert (opt.active, opt.source) == (True, "sync")


def test_sync_opt_outs_reports_errors(settings, monkeypatch):
    from messaging.consent.optouts import optout_record
    from messaging.transports import clients

    optout_record(phone="+12065550101", keyword="STOP", source="keyword")
    client = _sms_voice_client()
    stubber = Stubber(client)
    stubber.add_client_error("put_opted_out_number", service_error_code="ResourceNotFoundException",
                             http_status_code=404, service_message="Opt-out list not found")
    monkeypatch.setattr(clients, "aws_client", lambda service: client)
    with stubber, pytest.raises(CommandError):
        call_command("sync_opt_outs")


def test_an_inbound_sms_stored_by_a_process_that_died_is_routed_by_the_minute_sweep(
        locmem, django_capture_on_commit_callbacks):
    """Stored but never routed (the process died in between): the sweep finishes the job, once."""
    import json
    from datetime import timedelta

    from django.utils import timezone

    from messaging.inbound.notifications import notifications_resume
    from messaging.inbound.router import inbound_sms_store

    message = {**INBOUND_TWO_WAY_SMS, "messageBody": "HELP", "inboundMessageId": "died-mid-way"}
    notification = SnsNotification.objects.create(
        message_id="sns-died-mid-way", type="Notification", kind="inbound_sms",
        raw={"Type": "Notification", "MessageId": "sns-died-mid-way", "Message": json.dumps(message)})
    inbound, _ = inbound_sms_store(payload=message, notification=notification)
    waiting = SnsNotification.objects.create(
        message_id="sns-subscription", type="SubscriptionConfirmation", kind="subscription", raw={})
    assert notifications_resume() == 0  # too young: it may still be in flight
    SnsNotification.objects.filter(pk__in=[notification.pk, waiting.pk]).update(
        received_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_resume() == 1
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.HANDLED and inbound.handled_by == "messaging.consent.consent_handler"
    assert [m.body for m in locmem.outbox] == [inbound.reply]
    assert SnsNotification.objects.get(pk=waiting.pk).status == "received"  # left for the admin
    assert notifications_resume() == 0  # and never twice
