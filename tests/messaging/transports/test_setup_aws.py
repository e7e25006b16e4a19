"""``manage.py setup_aws`` against the real service models (botocore Stubber checks every parameter).

API references:
- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateConfigurationSetEventDestination.html
- https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_CreateEventDestination.html
- https://docs.aws.amazon.com/social-messaging/latest/APIReference/API_PutWhatsAppBusinessAccountEventDestinations.html
"""

from __future__ import annotations

import os

import boto3
import pytest
from botocore.stub import Stubber
from django.core.management import CommandError, call_command

from messaging.transports.aws_setup import SES_EVENT_TYPES

TOPIC = "arn:aws:sns:us-east-1:123456789012:portal-events"
OLD_TOPIC = "arn:aws:sns:us-east-1:123456789012:old-events"
WABA = "waba-0123456789abcdef0123456789abcdef"
SES_DEST = {"Enabled": True, "MatchingEventTypes": SES_EVENT_TYPES, "SnsDestination": {"TopicArn": TOPIC}}
SMS_SET_ARN = "arn:aws:sms-voice:us-east-1:123456789012:configuration-set/portal-sms"


@pytest.fixture
def aws(settings):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    settings.SNS_EVENTS_TOPIC_ARN = TOPIC
    settings.SES_CONFIGURATION_SET = "portal-email"
    settings.SMS_CONFIGURATION_SET = "portal-sms"
    settings.WHATSAPP_WABA_ID = WABA
    settings.AWS_EVENT_DESTINATION_NAME = "portal-sns"
    clients = {s: boto3.client(s, region_name="us-east-1") for s in
               ("sesv2", "pinpoint-sms-voice-v2", "socialmessaging")}
    stubs = {s: Stubber(c) for s, c in clients.items()}
    for stub in stubs.values():
        stub.activate()
    yield clients, stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def _account(destinations):
    return {"account": {"arn": f"arn:aws:social-messaging:us-east-1:123456789012:waba/{WABA}", "id": WABA,
                        "wabaId": "1234567890", "registrationStatus": "COMPLETE", "linkDate": "2026-01-01T00:00:00Z",
                        "wabaName": "Portal", "eventDestinations": destinations, "phoneNumbers": []}}


def _run(clients, *args):
    from io import StringIO

    out = StringIO()
    call_command("setup_aws", *args, clients=clients, stdout=out)
    return out.getvalue()


def test_a_fresh_account_gets_everything_created(aws):
    clients, stubs = aws
    stubs["sesv2"].add_client_error("get_configuration_set", "NotFoundException", http_status_code=404,
                                    expected_params={"ConfigurationSetName": "portal-email"})
    stubs["sesv2"].add_response("create_configuration_set", {}, {"ConfigurationSetName": "portal-email"})
    stubs["sesv2"].add_response("create_configuration_set_event_destination", {}, {
        "ConfigurationSetName": "portal-email", "EventDestinationName": "portal-sns", "EventDestination": SES_DEST})
    sms = stubs["pinpoint-sms-voice-v2"]
    sms.add_client_error("describe_configuration_sets", "ResourceNotFoundException", http_status_code=404,
                         expected_params={"ConfigurationSetNames": ["portal-sms"]})
    sms.add_response("create_configuration_set", {"ConfigurationSetArn": SMS_SET_ARN,
                                                  "ConfigurationSetName": "portal-sms"},
                     {"ConfigurationSetName": "portal-sms"})
    sms.add_response("create_event_destination", {"ConfigurationSetName": "portal-sms"}, {
        "ConfigurationSetName": "portal-sms", "EventDestinationName": "portal-sns", "MatchingEventTypes": ["ALL"],
        "SnsDestination": {"TopicArn": TOPIC}})
    stubs["socialmessaging"].add_response("get_linked_whatsapp_business_account", _account([]), {"id": WABA})
    stubs["socialmessaging"].add_response("put_whatsapp_business_account_event_destinations", {}, {
        "id": WABA, "eventDestinations": [{"eventDestinationArn": TOPIC}]})
    out = _run(clients)
    assert "create SES configuration set portal-email" in out
    assert "create SMS event destination portal-sns" in out
    assert f"set WhatsApp account {WABA} event destination" in out


def _current_state(stubs, *, ses_topic=TOPIC, sms_topic=TOPIC, wa_destinations=None):
    stubs["sesv2"].add_response("get_configuration_set", {"ConfigurationSetName": "portal-email"},
                                {"ConfigurationSetName": "portal-email"})
    stubs["sesv2"].add_response("get_configuration_set_event_destinations", {"EventDestinations": [
        {"Name": "portal-sns", "Enabled": True, "MatchingEventTypes": list(reversed(SES_EVENT_TYPES)),
         "SnsDestination": {"TopicArn": ses_topic}}]}, {"ConfigurationSetName": "portal-email"})
    stubs["pinpoint-sms-voice-v2"].add_response("describe_configuration_sets", {"ConfigurationSets": [{
        "ConfigurationSetArn": SMS_SET_ARN, "ConfigurationSetName": "portal-sms",
        "CreatedTimestamp": "2026-01-01T00:00:00Z",
        "EventDestinations": [{"EventDestinationName": "portal-sns", "Enabled": True, "MatchingEventTypes": ["ALL"],
                               "SnsDestination": {"TopicArn": sms_topic}}]}]},
        {"ConfigurationSetNames": ["portal-sms"]})
    stubs["socialmessaging"].add_response(
        "get_linked_whatsapp_business_account",
        _account(wa_destinations if wa_destinations is not None else [{"eventDestinationArn": TOPIC}]), {"id": WABA})


def test_a_second_run_changes_nothing(aws):
    clients, stubs = aws
    _current_state(stubs)  # no write is stubbed: any write would fail the test
    out = _run(clients)
    assert out.count("up to date") == 3 and "create" not in out


def test_a_moved_topic_is_updated_and_other_whatsapp_destinations_kept(aws):
    clients, stubs = aws
    other = {"eventDestinationArn": "arn:aws:sns:us-east-1:123456789012:analytics"}
    _current_state(stubs, ses_topic=OLD_TOPIC, sms_topic=OLD_TOPIC, wa_destinations=[other])
    stubs["sesv2"].add_response("update_configuration_set_event_destination", {}, {
        "ConfigurationSetName": "portal-email", "EventDestinationName": "portal-sns", "EventDestination": SES_DEST})
    # Stubber orders responses per client, so the SMS update can be queued after the describe.
    stubs["pinpoint-sms-voice-v2"].add_response("update_event_destination", {"ConfigurationSetName": "portal-sms"}, {
        "ConfigurationSetName": "portal-sms", "EventDestinationName": "portal-sns", "Enabled": True,
        "MatchingEventTypes": ["ALL"], "SnsDestination": {"TopicArn": TOPIC}})
    stubs["socialmessaging"].add_response("put_whatsapp_business_account_event_destinations", {}, {
        "id": WABA, "eventDestinations": [other, {"eventDestinationArn": TOPIC}]})
    out = _run(clients)
    assert "update SES event destination" in out and "update SMS event destination" in out


def test_dry_run_reads_and_plans_but_writes_nothing(aws):
    clients, stubs = aws
    _current_state(stubs, ses_topic=OLD_TOPIC, wa_destinations=[])
    out = _run(clients, "--dry-run")
    assert "would update SES event destination portal-sns" in out
    assert f"would set WhatsApp account {WABA}" in out
    assert "SMS event destination portal-sns: up to date" in out
    assert "Dry run: nothing was changed." in out


def test_without_a_topic_it_refuses(aws, settings):
    clients, _ = aws
    settings.SNS_EVENTS_TOPIC_ARN = ""
    with pytest.raises(CommandError, match="SNS_EVENTS_TOPIC_ARN"):
        _run(clients)


def test_unset_names_are_skipped(aws, settings):
    clients, _ = aws
    settings.SES_CONFIGURATION_SET = settings.SMS_CONFIGURATION_SET = settings.WHATSAPP_WABA_ID = ""
    out = _run(clients)
    assert out.count("skipped") == 4  # SES, SMS, SES email receiving, WhatsApp
