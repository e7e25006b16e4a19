"""``manage.py setup_aws`` for calls that take a key, against botocore's own models (Stubber checks
every parameter): the contact flows from the repository (the page flow and, beside it, a bulk
send's confirmation flow), and the EventBridge connection, API
destination and rule that bring Amazon Connect contact events to ``POST /connect/events/``.

- https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateContactFlow.html
- https://docs.aws.amazon.com/connect/latest/APIReference/flow-language.html
- https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateConnection.html
- https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateApiDestination.html
"""

from __future__ import annotations

import json
import os
from io import StringIO

import boto3
import pytest
from botocore.stub import Stubber
from django.core.management import call_command

from messaging.calls.setup import EVENT_PATTERN, FLOWS, flow_content
from tests.support.connect import EVENTS_TOKEN, INSTANCE_ID

URL = "https://pager.example.com/connect/events/"
ROLE = "arn:aws:iam::123456789012:role/portal-connect-events"
CONN_ARN = "arn:aws:events:us-east-1:123456789012:connection/portal-connect-events/abc"
DEST_ARN = "arn:aws:events:us-east-1:123456789012:api-destination/portal-connect-events/def"
FLOW_ID = "f1f1f1f1-0000-1111-2222-333333333333"
FLOW_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE_ID}/contact-flow/{FLOW_ID}"
CONFIRM_ID = "c2c2c2c2-0000-1111-2222-333333333333"
CONFIRM_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE_ID}/contact-flow/{CONFIRM_ID}"
AUTH = {"ApiKeyAuthParameters": {"ApiKeyName": "Authorization", "ApiKeyValue": f"Bearer {EVENTS_TOKEN}"}}


@pytest.fixture
def aws(settings):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    settings.SNS_EVENTS_TOPIC_ARN = ""
    settings.CONNECT_INSTANCE_ID = INSTANCE_ID
    settings.CONNECT_PAGE_FLOW_ID = ""
    settings.CONNECT_CONFIRM_FLOW_ID = ""
    settings.CONNECT_EVENTS_TOKEN = EVENTS_TOKEN
    settings.CONNECT_EVENTS_URL = URL
    settings.CONNECT_EVENTS_ROLE_ARN = ROLE
    settings.AWS_SETUP_STEPS = []
    clients = {s: boto3.client(s, region_name="us-east-1") for s in ("connect", "events")}
    stubs = {s: Stubber(c) for s, c in clients.items()}
    for stub in stubs.values():
        stub.activate()
    yield clients, stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def run(clients, *args) -> str:
    out = StringIO()
    call_command("setup_aws", *args, clients=clients, stdout=out)
    return out.getvalue()


def test_the_page_flow_is_valid_flow_language_that_takes_4_5_6_and_star_three_times():
    flow = json.loads((FLOWS / "page_call.json").read_text())
    actions = {a["Identifier"]: a for a in flow["Actions"]}
    assert flow["Version"] == "2019-10-30" and flow["StartAction"] in actions
    for action in flow["Actions"]:  # every transition lands on an action of the flow
        transitions = action["Transitions"]
        targets = [transitions.get("NextAction")] + [c["NextAction"] for c in transitions.get("Conditions", [])] + [
            e["NextAction"] for e in transitions.get("Errors", [])]
        assert all(t in actions for t in targets if t), action["Identifier"]
        assert len(action["Identifier"]) <= 50 and not set(action["Identifier"]) & set("%:(\\/)=$,;[]{}")
    inputs = [a for a in flow["Actions"] if a["Type"] == "GetParticipantInput"]
    assert len(inputs) == 3 and all(a["Parameters"]["Text"] == "$.Attributes.page_text" for a in inputs)
    keys = {c["Condition"]["Operands"][0]: c["NextAction"] for c in inputs[0]["Transitions"]["Conditions"]}
    assert set(keys) == {"4", "5", "6", "*"} and keys["*"] == inputs[1]["Identifier"]
    timeouts = [e for e in inputs[0]["Transitions"]["Errors"] if e["ErrorType"] == "InputTimeLimitExceeded"]
    assert timeouts[0]["NextAction"] == inputs[1]["Identifier"]
    sets = {k: actions[keys[k]]["Parameters"]["Attributes"]["page_action"] for k in "456"}
    assert sets == {"4": "ack", "5": "decline", "6": "resolve"}
    assert actions[actions[keys["4"]]["Transitions"]["NextAction"]]["Parameters"]["Text"] == "Acknowledged."


def test_a_fresh_instance_gets_the_flow_and_the_event_plumbing(aws):
    clients, stubs = aws
    connect, events = stubs["connect"], stubs["events"]
    connect.add_response("list_contact_flows", {"ContactFlowSummaryList": []},
                         {"InstanceId": INSTANCE_ID, "ContactFlowTypes": ["CONTACT_FLOW"]})
    connect.add_response("create_contact_flow", {"ContactFlowId": FLOW_ID, "ContactFlowArn": FLOW_ARN}, {
        "InstanceId": INSTANCE_ID, "Name": "portal-page-call", "Type": "CONTACT_FLOW",
        "Content": flow_content("page_call"),
        "Description": "A page that takes a key: 4 acknowledge, 5 decline, 6 resolve"})
    connect.add_response("list_contact_flows", {"ContactFlowSummaryList": [
        {"Id": FLOW_ID, "Arn": FLOW_ARN, "Name": "portal-page-call", "ContactFlowType": "CONTACT_FLOW"}]},
        {"InstanceId": INSTANCE_ID, "ContactFlowTypes": ["CONTACT_FLOW"]})
    connect.add_response("create_contact_flow", {"ContactFlowId": CONFIRM_ID, "ContactFlowArn": CONFIRM_ARN}, {
        "InstanceId": INSTANCE_ID, "Name": "portal-confirm-call", "Type": "CONTACT_FLOW",
        "Content": flow_content("confirm_call"),
        "Description": "A bulk send's confirmation call: 1 confirm, 2 cancel"})
    events.add_client_error("describe_connection", "ResourceNotFoundException", http_status_code=400,
                            expected_params={"Name": "portal-connect-events"})
    events.add_response("create_connection", {"ConnectionArn": CONN_ARN}, {
        "Name": "portal-connect-events", "AuthorizationType": "API_KEY", "AuthParameters": AUTH})
    events.add_client_error("describe_api_destination", "ResourceNotFoundException", http_status_code=400,
                            expected_params={"Name": "portal-connect-events"})
    events.add_response("create_api_destination", {"ApiDestinationArn": DEST_ARN}, {
        "Name": "portal-connect-events", "ConnectionArn": CONN_ARN, "InvocationEndpoint": URL, "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 20})
    events.add_client_error("describe_rule", "ResourceNotFoundException", http_status_code=400,
                            expected_params={"Name": "portal-connect-contact-events"})
    events.add_response("put_rule", {"RuleArn": "arn:aws:events:us-east-1:123456789012:rule/x"}, {
        "Name": "portal-connect-contact-events", "EventPattern": json.dumps(EVENT_PATTERN, separators=(",", ":")),
        "State": "ENABLED", "Description": "Amazon Connect contact events to the portal's /connect/events/"})
    events.add_response("put_targets", {"FailedEntryCount": 0, "FailedEntries": []}, {
        "Rule": "portal-connect-contact-events",
        "Targets": [{"Id": "portal-connect-events", "Arn": DEST_ARN, "RoleArn": ROLE}]})
    out = run(clients)
    assert "create contact flow portal-page-call" in out
    assert f"set CONNECT_PAGE_FLOW_ID={FLOW_ID}" in out
    assert "create contact flow portal-confirm-call" in out and f"set CONNECT_CONFIRM_FLOW_ID={CONFIRM_ID}" in out
    assert "create API destination portal-connect-events → POST " + URL in out
    assert EVENT_PATTERN["detail"]["eventType"] == ["DISCONNECTED", "CONTACT_DATA_UPDATED"]
    assert EVENT_PATTERN["source"] == ["aws.connect"] and EVENT_PATTERN["detail-type"] == [
        "Amazon Connect Contact Event"]


def test_a_second_run_changes_only_the_token_it_cannot_read_back(aws, settings):
    clients, stubs = aws
    settings.CONNECT_PAGE_FLOW_ID, settings.CONNECT_CONFIRM_FLOW_ID = FLOW_ID, CONFIRM_ID
    connect, events = stubs["connect"], stubs["events"]
    both = {"ContactFlowSummaryList": [
        {"Id": FLOW_ID, "Arn": FLOW_ARN, "Name": "portal-page-call", "ContactFlowType": "CONTACT_FLOW"},
        {"Id": CONFIRM_ID, "Arn": CONFIRM_ARN, "Name": "portal-confirm-call", "ContactFlowType": "CONTACT_FLOW"}]}
    for flow_id, name in ((FLOW_ID, "page_call"), (CONFIRM_ID, "confirm_call")):
        connect.add_response("list_contact_flows", both,
                             {"InstanceId": INSTANCE_ID, "ContactFlowTypes": ["CONTACT_FLOW"]})
        connect.add_response("describe_contact_flow", {"ContactFlow": {"Id": flow_id, "Content": flow_content(name)}},
                             {"InstanceId": INSTANCE_ID, "ContactFlowId": flow_id})
    events.add_response("describe_connection", {"ConnectionArn": CONN_ARN}, {"Name": "portal-connect-events"})
    events.add_response("update_connection", {"ConnectionArn": CONN_ARN}, {
        "Name": "portal-connect-events", "AuthorizationType": "API_KEY", "AuthParameters": AUTH})
    events.add_response("describe_api_destination", {
        "ApiDestinationArn": DEST_ARN, "ConnectionArn": CONN_ARN, "InvocationEndpoint": URL, "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 20}, {"Name": "portal-connect-events"})
    events.add_response("describe_rule", {"Name": "portal-connect-contact-events", "State": "ENABLED",
                                          "EventPattern": json.dumps(EVENT_PATTERN)},
                        {"Name": "portal-connect-contact-events"})
    events.add_response("list_targets_by_rule", {"Targets": [{"Id": "portal-connect-events", "Arn": DEST_ARN,
                                                              "RoleArn": ROLE}]},
                        {"Rule": "portal-connect-contact-events"})
    out = run(clients)
    assert "contact flow portal-page-call" in out and "up to date" in out
    assert "contact flow portal-confirm-call" in out
    assert "create" not in out and "CONNECT_PAGE_FLOW_ID=" not in out and "CONNECT_CONFIRM_FLOW_ID=" not in out


def test_without_the_events_settings_only_the_flow_is_made(aws, settings):
    clients, stubs = aws
    settings.CONNECT_EVENTS_URL = ""
    for _ in range(2):
        stubs["connect"].add_response("list_contact_flows", {"ContactFlowSummaryList": []},
                                      {"InstanceId": INSTANCE_ID, "ContactFlowTypes": ["CONTACT_FLOW"]})
    out = run(clients, "--dry-run")
    assert "would create contact flow portal-page-call" in out
    assert "would create contact flow portal-confirm-call" in out
    assert "Connect events: skipped (CONNECT_EVENTS_URL not set)" in out


def test_the_confirmation_flow_takes_1_2_and_star_three_times_and_sets_confirm_or_cancel():
    flow = json.loads((FLOWS / "confirm_call.json").read_text())
    actions = {a["Identifier"]: a for a in flow["Actions"]}
    assert flow["Version"] == "2019-10-30" and flow["StartAction"] in actions
    for action in flow["Actions"]:
        transitions = action["Transitions"]
        targets = [transitions.get("NextAction")] + [c["NextAction"] for c in transitions.get("Conditions", [])] + [
            e["NextAction"] for e in transitions.get("Errors", [])]
        assert all(t in actions for t in targets if t), action["Identifier"]
    inputs = [a for a in flow["Actions"] if a["Type"] == "GetParticipantInput"]
    assert len(inputs) == 3 and all(a["Parameters"]["Text"] == "$.Attributes.page_text" for a in inputs)
    for i, play in enumerate(inputs):
        keys = {c["Condition"]["Operands"][0]: c["NextAction"] for c in play["Transitions"]["Conditions"]}
        assert set(keys) == {"1", "2", "*"}
        again = inputs[i + 1]["Identifier"] if i < 2 else "Say no answer"
        assert keys["*"] == again and {e["NextAction"] for e in play["Transitions"]["Errors"]} == {again}
        sets = {k: actions[keys[k]]["Parameters"]["Attributes"]["page_action"] for k in "12"}
        assert sets == {"1": "confirm", "2": "cancel"}
    said = actions[actions["Set confirm"]["Transitions"]["NextAction"]]
    assert said["Type"] == "MessageParticipant" and said["Transitions"]["NextAction"] == "Hang up"
    assert actions["Hang up"]["Type"] == "DisconnectParticipant"
