"""``setup_aws`` for calls that take a key: the contact flow, and the EventBridge plumbing that
brings Amazon Connect's contact events to ``POST /connect/events/``. Idempotent, as the rest of
``messaging.transports.aws_setup``: each step reads first and writes what differs.

- The page flow (``CreateContactFlow`` / ``UpdateContactFlowContent``) from
  ``messaging/calls/flows/page_call.json``: speak ``$.Attributes.page_text``, take 4, 5, 6 or *,
  set ``page_action`` to ack, decline or resolve, speak the outcome, hang up; * and a timeout play
  it again, three times in all. Its id is what ``CONNECT_PAGE_FLOW_ID`` must name.
- The confirmation flow beside it, from ``messaging/calls/flows/confirm_call.json``, for a bulk
  send's calls: the same loop with keys 1 and 2, setting ``page_action`` to confirm or cancel.
  Its id is what ``CONNECT_CONFIRM_FLOW_ID`` must name.
- An EventBridge connection with API-key auth, whose header is ``Authorization: Bearer
  <CONNECT_EVENTS_TOKEN>`` (its secret cannot be read back, so it is written on every run); an API
  destination posting to ``CONNECT_EVENTS_URL``; a rule on ``aws.connect`` "Amazon Connect Contact
  Event" (``DISCONNECTED``, ``CONTACT_DATA_UPDATED``) targeting it with ``CONNECT_EVENTS_ROLE_ARN``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

FLOWS = Path(__file__).resolve().parent / "flows"
PAGE_FLOW_NAME = "portal-page-call"
CONFIRM_FLOW_NAME = "portal-confirm-call"
CONNECTION_NAME = "portal-connect-events"
DESTINATION_NAME = "portal-connect-events"
RULE_NAME = "portal-connect-contact-events"
TARGET_ID = "portal-connect-events"
EVENT_PATTERN = {"source": ["aws.connect"], "detail-type": ["Amazon Connect Contact Event"],
                 "detail": {"eventType": ["DISCONNECTED", "CONTACT_DATA_UPDATED"], "channel": ["VOICE"]}}
DESTINATION_RATE = 20  # per second: a burst of page calls ending together is delivered, not throttled


def flow_content(name: str) -> str:
    """A flow kept in the repository, as the compact JSON string Connect stores."""
    return json.dumps(json.loads((FLOWS / f"{name}.json").read_text()), separators=(",", ":"))


def contact_flow_ensure(plan, client, *, instance_id: str, name: str, content: str,
                        flow_type: str = "CONTACT_FLOW", description: str = "") -> str:
    """Create the flow ``name`` or bring its content up to date; returns its id ("" in a dry run)."""
    found = None
    token = None
    while found is None:
        page = client.list_contact_flows(InstanceId=instance_id, ContactFlowTypes=[flow_type],
                                         **({"NextToken": token} if token else {}))
        found = next((f for f in page.get("ContactFlowSummaryList", []) if f.get("Name") == name), None)
        token = page.get("NextToken")
        if not token:
            break
    if found is None:
        created = {}
        plan.do(f"create contact flow {name}", lambda: created.update(client.create_contact_flow(
            InstanceId=instance_id, Name=name, Type=flow_type, Content=content, Description=description)))
        return created.get("ContactFlowId", "")
    current = client.describe_contact_flow(InstanceId=instance_id, ContactFlowId=found["Id"])["ContactFlow"]
    if json.loads(current.get("Content") or "{}") == json.loads(content):
        plan.do(f"contact flow {name} ({found['Id']}): up to date")
    else:
        plan.do(f"update contact flow {name} ({found['Id']})", lambda: client.update_contact_flow_content(
            InstanceId=instance_id, ContactFlowId=found["Id"], Content=content))
    return found["Id"]


def _connection(plan, client, *, token: str) -> str:
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "Authorization", "ApiKeyValue": f"Bearer {token}"}}
    try:
        arn = client.describe_connection(Name=CONNECTION_NAME)["ConnectionArn"]
    except client.exceptions.ResourceNotFoundException:
        made = {}
        plan.do(f"create EventBridge connection {CONNECTION_NAME} (API key: Authorization: Bearer …)",
                lambda: made.update(client.create_connection(Name=CONNECTION_NAME, AuthorizationType="API_KEY",
                                                             AuthParameters=auth)))
        return made.get("ConnectionArn", f"<{CONNECTION_NAME}>")
    plan.do(f"update EventBridge connection {CONNECTION_NAME}'s token (a secret cannot be compared)",
            lambda: client.update_connection(Name=CONNECTION_NAME, AuthorizationType="API_KEY", AuthParameters=auth))
    return arn


def _destination(plan, client, *, connection_arn: str, url: str) -> str:
    wanted = {"ConnectionArn": connection_arn, "InvocationEndpoint": url, "HttpMethod": "POST",
              "InvocationRateLimitPerSecond": DESTINATION_RATE}
    try:
        have = client.describe_api_destination(Name=DESTINATION_NAME)
    except client.exceptions.ResourceNotFoundException:
        made = {}
        plan.do(f"create API destination {DESTINATION_NAME} → POST {url}",
                lambda: made.update(client.create_api_destination(Name=DESTINATION_NAME, **wanted)))
        return made.get("ApiDestinationArn", f"<{DESTINATION_NAME}>")
    if any(have.get(k) != v for k, v in wanted.items()):
        plan.do(f"update API destination {DESTINATION_NAME} → POST {url}",
                lambda: client.update_api_destination(Name=DESTINATION_NAME, **wanted))
    else:
        plan.do(f"API destination {DESTINATION_NAME}: up to date")
    return have["ApiDestinationArn"]


def _rule(plan, client, *, destination_arn: str, role_arn: str) -> None:
    pattern = json.dumps(EVENT_PATTERN, separators=(",", ":"))
    try:
        have = client.describe_rule(Name=RULE_NAME)
    except client.exceptions.ResourceNotFoundException:
        have = None
    if have is None or json.loads(have.get("EventPattern") or "{}") != EVENT_PATTERN or have.get("State") != "ENABLED":
        plan.do(f"{'create' if have is None else 'update'} EventBridge rule {RULE_NAME} on Amazon Connect contact "
                "events (DISCONNECTED, CONTACT_DATA_UPDATED)",
                lambda: client.put_rule(Name=RULE_NAME, EventPattern=pattern, State="ENABLED",
                                        Description="Amazon Connect contact events to the portal's /connect/events/"))
        targets = []
    else:
        plan.do(f"EventBridge rule {RULE_NAME}: up to date")
        targets = client.list_targets_by_rule(Rule=RULE_NAME).get("Targets", [])
    target = {"Id": TARGET_ID, "Arn": destination_arn, "RoleArn": role_arn}
    if any(t.get("Id") == TARGET_ID and t.get("Arn") == destination_arn and t.get("RoleArn") == role_arn
           for t in targets):
        plan.do(f"rule {RULE_NAME}'s target: up to date")
    else:
        plan.do(f"set rule {RULE_NAME}'s target → API destination {DESTINATION_NAME}",
                lambda: client.put_targets(Rule=RULE_NAME, Targets=[target]))


def connect_setup(plan, client_for: Callable[[str], object]) -> None:
    """The Connect part of ``setup_aws`` (see the module docstring)."""
    instance = settings.CONNECT_INSTANCE_ID
    if not instance:
        plan.do("Connect: not in use (CONNECT_INSTANCE_ID is not set)")
        return
    flow_id = contact_flow_ensure(plan, client_for("connect"), instance_id=instance, name=PAGE_FLOW_NAME,
                                  content=flow_content("page_call"),
                                  description="A page that takes a key: 4 acknowledge, 5 decline, 6 resolve")
    if flow_id and flow_id != settings.CONNECT_PAGE_FLOW_ID:
        plan.do(f"set CONNECT_PAGE_FLOW_ID={flow_id} for VOICE_TRANSPORT=connect")
    confirm_id = contact_flow_ensure(plan, client_for("connect"), instance_id=instance, name=CONFIRM_FLOW_NAME,
                                     content=flow_content("confirm_call"),
                                     description="A bulk send's confirmation call: 1 confirm, 2 cancel")
    if confirm_id and confirm_id != settings.CONNECT_CONFIRM_FLOW_ID:
        plan.do(f"set CONNECT_CONFIRM_FLOW_ID={confirm_id} for bulk sends by voice")
    missing = [n for n in ("CONNECT_EVENTS_TOKEN", "CONNECT_EVENTS_URL", "CONNECT_EVENTS_ROLE_ARN")
               if not getattr(settings, n)]
    if missing:
        plan.do(f"Connect events: skipped ({', '.join(missing)} not set)")
        return
    events = client_for("events")
    connection_arn = _connection(plan, events, token=settings.CONNECT_EVENTS_TOKEN)
    destination_arn = _destination(plan, events, connection_arn=connection_arn, url=settings.CONNECT_EVENTS_URL)
    _rule(plan, events, destination_arn=destination_arn, role_arn=settings.CONNECT_EVENTS_ROLE_ARN)
