"""``manage.py setup_aws``'s email-receiving step against botocore's SES model (Stubber checks
every parameter): the receipt rule set, its SNS (Base64) or S3 rule, made active; idempotent; and
a clear line, not a crash, where SES does not receive email.

https://docs.aws.amazon.com/ses/latest/APIReference/API_CreateReceiptRule.html
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from io import StringIO

import boto3
import pytest
from botocore.stub import Stubber
from django.core.management import call_command

TOPIC = "arn:aws:sns:us-east-1:123456789012:portal-events"
RULE_SET = "portal-rules"
SNS_RULE = {"Name": "portal-inbound", "Enabled": True, "TlsPolicy": "Optional", "ScanEnabled": True,
            "Recipients": ["help@portal.example", "portal.example"],
            "Actions": [{"SNSAction": {"TopicArn": TOPIC, "Encoding": "Base64"}}]}
METADATA = {"Name": RULE_SET, "CreatedTimestamp": datetime(2026, 1, 1, tzinfo=UTC)}


@pytest.fixture
def ses(settings):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    settings.SNS_EVENTS_TOPIC_ARN = TOPIC
    settings.SES_CONFIGURATION_SET = settings.SMS_CONFIGURATION_SET = settings.WHATSAPP_WABA_ID = ""
    settings.SES_RECEIPT_RULE_SET = RULE_SET
    settings.SES_RECEIPT_RULE_NAME = "portal-inbound"
    settings.SES_RECEIPT_RECIPIENTS = ["help@portal.example", "portal.example"]
    settings.SES_RECEIPT_S3_BUCKET = ""
    client = boto3.client("ses", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def run(client) -> str:
    out = StringIO()
    call_command("setup_aws", clients={"ses": client}, stdout=out)
    return out.getvalue()


def test_a_fresh_account_gets_the_rule_set_the_sns_rule_and_makes_it_active(ses):
    client, stub = ses
    stub.add_client_error("describe_receipt_rule_set", "RuleSetDoesNotExist", expected_params={"RuleSetName": RULE_SET})
    stub.add_response("create_receipt_rule_set", {}, {"RuleSetName": RULE_SET})
    stub.add_response("describe_active_receipt_rule_set", {}, {})
    stub.add_response("create_receipt_rule", {}, {"RuleSetName": RULE_SET, "Rule": SNS_RULE})
    stub.add_response("set_active_receipt_rule_set", {}, {"RuleSetName": RULE_SET})
    out = run(client)
    assert "create SES receipt rule set portal-rules" in out
    assert f"create SES receipt rule portal-inbound → {TOPIC} (SNS action, Base64)" in out
    assert "make SES receipt rule set portal-rules the active one (was none)" in out


def test_a_second_run_changes_nothing(ses):
    client, stub = ses
    stub.add_response("describe_receipt_rule_set", {"Metadata": METADATA, "Rules": [SNS_RULE]},
                      {"RuleSetName": RULE_SET})
    stub.add_response("describe_active_receipt_rule_set", {"Metadata": METADATA, "Rules": [SNS_RULE]}, {})
    out = run(client)  # no write is stubbed: any write would fail the test
    assert "SES receipt rule portal-inbound: up to date" in out and "SES receipt rule set portal-rules: active" in out


def test_with_a_bucket_the_rule_uses_an_s3_action_for_mail_of_any_size(ses, settings):
    client, stub = ses
    settings.SES_RECEIPT_S3_BUCKET = "portal-mail"
    s3_rule = {**SNS_RULE, "Actions": [{"S3Action": {"BucketName": "portal-mail", "TopicArn": TOPIC}}]}
    stub.add_response("describe_receipt_rule_set", {"Metadata": METADATA, "Rules": [SNS_RULE]},
                      {"RuleSetName": RULE_SET})
    stub.add_response("describe_active_receipt_rule_set", {"Metadata": METADATA, "Rules": [SNS_RULE]}, {})
    stub.add_response("update_receipt_rule", {}, {"RuleSetName": RULE_SET, "Rule": s3_rule})
    assert "update SES receipt rule portal-inbound" in run(client)


def test_where_ses_does_not_receive_email_it_says_so_and_goes_on(ses, settings):
    client, stub = ses
    settings.AWS_REGION = "eu-south-2"
    stub.add_client_error("describe_receipt_rule_set", "InvalidAction", "Receiving is not available here.",
                          expected_params={"RuleSetName": RULE_SET})
    out = run(client)
    assert "SES email receiving: skipped; AWS refused it in eu-south-2" in out
    assert "us-east-1, us-west-2, eu-west-1" in out and "WhatsApp: skipped" in out


def test_without_a_rule_set_receiving_is_skipped(ses, settings):
    client, _ = ses
    settings.SES_RECEIPT_RULE_SET = ""
    assert "SES email receiving: skipped (SES_RECEIPT_RULE_SET is not set)" in run(client)
