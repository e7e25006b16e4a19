"""Provisioning the AWS side of delivery events, idempotently (``manage.py setup_aws``).

Creates or updates, so that every delivery event reaches ``SNS_EVENTS_TOPIC_ARN`` (and from
there POST /sns/):

- the SES configuration set ``SES_CONFIGURATION_SET`` and its SNS event destination (sesv2);
- the SMS configuration set ``SMS_CONFIGURATION_SET`` and its SNS event destination
  (pinpoint-sms-voice-v2);
- optionally SES email receiving: the receipt rule set ``SES_RECEIPT_RULE_SET``, made active, and its
  rule publishing received email to SNS (``messaging.email_in.aws_setup``);
- optionally the WhatsApp Business Account ``WHATSAPP_WABA_ID``'s event destination
  (socialmessaging), keeping any other destinations it already has;
- with ``CONNECT_INSTANCE_ID``, the Amazon Connect flow of calls that take a key and the
  EventBridge rule that brings their events to /connect/events/ (messaging.calls.setup);
- then each step named in ``AWS_SETUP_STEPS`` (the on-call hotline: oncall.hotline).

Each step reads the current state first and only writes what differs, so a second run changes
nothing. With ``dry_run`` the reads still happen and the plan is reported; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError
from django.conf import settings
from django.utils.module_loading import import_string

from messaging.calls.setup import connect_setup
from messaging.email_in.aws_setup import receiving_setup

# SES events the portal acts on or records (Open/Click/Subscription are not delivery outcomes).
SES_EVENT_TYPES = ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "RENDERING_FAILURE", "DELIVERY_DELAY"]
SMS_EVENT_TYPES = ["ALL"]


@dataclass
class Plan:
    dry_run: bool
    lines: list[str] = field(default_factory=list)

    def do(self, description: str, action: Callable[[], object] | None = None) -> None:
        if action is not None and not self.dry_run:
            action()
        prefix = "would " if self.dry_run and action is not None else ""
        self.lines.append(f"{prefix}{description}")


def _code(exc: ClientError) -> str:
    return (exc.response.get("Error") or {}).get("Code", "")


def _ses(plan: Plan, client, *, name: str, topic_arn: str, destination_name: str) -> None:
    try:
        client.get_configuration_set(ConfigurationSetName=name)
        exists = True
    except ClientError as exc:
        if _code(exc) != "NotFoundException":
            raise
        exists = False
    if exists:
        plan.do(f"SES configuration set {name}: exists")
        current = {d["Name"]: d for d in client.get_configuration_set_event_destinations(
            ConfigurationSetName=name).get("EventDestinations", [])}
    else:
        plan.do(f"create SES configuration set {name}",
                lambda: client.create_configuration_set(ConfigurationSetName=name))
        current = {}
    wanted = {"Enabled": True, "MatchingEventTypes": SES_EVENT_TYPES, "SnsDestination": {"TopicArn": topic_arn}}
    params = {"ConfigurationSetName": name, "EventDestinationName": destination_name, "EventDestination": wanted}
    have = current.get(destination_name)
    if have is None:
        plan.do(f"create SES event destination {destination_name} → {topic_arn}",
                lambda: client.create_configuration_set_event_destination(**params))
    elif (have.get("Enabled") is not True or set(have.get("MatchingEventTypes", [])) != set(SES_EVENT_TYPES)
          or (have.get("SnsDestination") or {}).get("TopicArn") != topic_arn):
        plan.do(f"update SES event destination {destination_name} → {topic_arn}",
                lambda: client.update_configuration_set_event_destination(**params))
    else:
        plan.do(f"SES event destination {destination_name}: up to date")


def _sms(plan: Plan, client, *, name: str, topic_arn: str, destination_name: str) -> None:
    try:
        found = client.describe_configuration_sets(ConfigurationSetNames=[name]).get("ConfigurationSets", [])
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
        found = []
    if found:
        plan.do(f"SMS configuration set {name}: exists")
        current = {d["EventDestinationName"]: d for d in found[0].get("EventDestinations", [])}
    else:
        plan.do(f"create SMS configuration set {name}",
                lambda: client.create_configuration_set(ConfigurationSetName=name))
        current = {}
    common = {"ConfigurationSetName": name, "EventDestinationName": destination_name,
              "MatchingEventTypes": SMS_EVENT_TYPES, "SnsDestination": {"TopicArn": topic_arn}}
    have = current.get(destination_name)
    if have is None:
        plan.do(f"create SMS event destination {destination_name} → {topic_arn}",
                lambda: client.create_event_destination(**common))
    elif (have.get("Enabled") is not True or set(have.get("MatchingEventTypes", [])) != set(SMS_EVENT_TYPES)
          or (have.get("SnsDestination") or {}).get("TopicArn") != topic_arn):
        plan.do(f"update SMS event destination {destination_name} → {topic_arn}",
                lambda: client.update_event_destination(Enabled=True, **common))
    else:
        plan.do(f"SMS event destination {destination_name}: up to date")


def _whatsapp(plan: Plan, client, *, waba_id: str, topic_arn: str) -> None:
    account = client.get_linked_whatsapp_business_account(id=waba_id)["account"]
    current = account.get("eventDestinations", [])
    if any(d.get("eventDestinationArn") == topic_arn for d in current):
        plan.do(f"WhatsApp account {waba_id} event destination: up to date")
        return
    # The call replaces the whole list: keep whatever else the account already publishes to.
    destinations = [{k: v for k, v in d.items() if k in ("eventDestinationArn", "roleArn")} for d in current]
    destinations.append({"eventDestinationArn": topic_arn})
    plan.do(f"set WhatsApp account {waba_id} event destination → {topic_arn}",
            lambda: client.put_whatsapp_business_account_event_destinations(id=waba_id,
                                                                            eventDestinations=destinations))


def aws_setup(*, client_for: Callable[[str], object], dry_run: bool = False) -> list[str]:
    """Make the AWS event plumbing match the settings. Returns what was (or would be) done."""
    topic_arn = settings.SNS_EVENTS_TOPIC_ARN
    if not topic_arn and not settings.CONNECT_INSTANCE_ID:
        raise ValueError("SNS_EVENTS_TOPIC_ARN is not set: it is where every delivery event is published.")
    destination_name = settings.AWS_EVENT_DESTINATION_NAME
    plan = Plan(dry_run=dry_run)
    if topic_arn:
        _delivery_events(plan, client_for, topic_arn=topic_arn, destination_name=destination_name)
    else:
        plan.do("Delivery events: skipped (SNS_EVENTS_TOPIC_ARN is not set)")
    connect_setup(plan, client_for)
    for path in settings.AWS_SETUP_STEPS:  # other apps' steps (the on-call hotline), named in settings
        import_string(path)(plan, client_for)
    return plan.lines


def _delivery_events(plan: Plan, client_for, *, topic_arn: str, destination_name: str) -> None:
    if settings.SES_CONFIGURATION_SET:
        _ses(plan, client_for("sesv2"), name=settings.SES_CONFIGURATION_SET, topic_arn=topic_arn,
             destination_name=destination_name)
    else:
        plan.do("SES: skipped (SES_CONFIGURATION_SET is not set)")
    if settings.SMS_CONFIGURATION_SET:
        _sms(plan, client_for("pinpoint-sms-voice-v2"), name=settings.SMS_CONFIGURATION_SET, topic_arn=topic_arn,
             destination_name=destination_name)
    else:
        plan.do("SMS: skipped (SMS_CONFIGURATION_SET is not set)")
    if settings.SES_RECEIPT_RULE_SET:
        receiving_setup(plan, client_for("ses"), region=settings.AWS_REGION or "us-east-1",
                        topic_arn=settings.SES_RECEIPT_TOPIC_ARN or topic_arn)
    else:
        plan.do("SES email receiving: skipped (SES_RECEIPT_RULE_SET is not set)")
    if settings.WHATSAPP_WABA_ID:
        _whatsapp(plan, client_for("socialmessaging"), waba_id=settings.WHATSAPP_WABA_ID, topic_arn=topic_arn)
    else:
        plan.do("WhatsApp: skipped (WHATSAPP_WABA_ID is not set)")
