"""``manage.py setup_aws``'s email-receiving step: the SES receipt rule set, made active, and the
rule whose action publishes each received email to SNS (then POST /sns/).

- Email up to 150 KB: an SNS action with ``Encoding: Base64`` (the MIME inside the notification).
- With ``SES_RECEIPT_S3_BUCKET``: an S3 action with the topic instead, for any size up to 40 MB
  (an SNS action bounces mail over 150 KB); the notification then names the object.

Receipt rules are SES v1 (``ses``) calls; sesv2 has none. SES receives email only in some regions
(us-east-1, us-west-2 and eu-west-1 among them; AWS's "Email receiving endpoints" table lists the
current ones). Elsewhere AWS refuses the first call: the step says so and the rest of setup goes on.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

KNOWN_RECEIVING_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def _code(exc: ClientError) -> str:
    return (exc.response.get("Error") or {}).get("Code", "")


def receipt_rule_wanted(*, name: str, topic_arn: str) -> dict:
    if settings.SES_RECEIPT_S3_BUCKET:
        action = {"S3Action": {"BucketName": settings.SES_RECEIPT_S3_BUCKET, "TopicArn": topic_arn}}
    else:
        action = {"SNSAction": {"TopicArn": topic_arn, "Encoding": "Base64"}}
    rule = {"Name": name, "Enabled": True, "TlsPolicy": "Optional", "ScanEnabled": True, "Actions": [action]}
    recipients = [r.strip().lower() for r in settings.SES_RECEIPT_RECIPIENTS if r.strip()]
    if recipients:
        rule["Recipients"] = recipients
    return rule


def _same(have: dict, wanted: dict) -> bool:
    keys = ("Enabled", "TlsPolicy", "ScanEnabled", "Actions")
    return (all(have.get(k) == wanted.get(k) for k in keys)
            and sorted(have.get("Recipients") or []) == sorted(wanted.get("Recipients") or []))


def receiving_setup(plan, client, *, region: str, topic_arn: str) -> None:
    """Make the receipt rule set ``SES_RECEIPT_RULE_SET`` hold the rule and be the active one.

    ``plan`` is messaging.transports.aws_setup.Plan (``do(description, action)``)."""
    rule_set, name = settings.SES_RECEIPT_RULE_SET, settings.SES_RECEIPT_RULE_NAME
    wanted = receipt_rule_wanted(name=name, topic_arn=topic_arn)
    try:
        try:
            rules = client.describe_receipt_rule_set(RuleSetName=rule_set).get("Rules", [])
            plan.do(f"SES receipt rule set {rule_set}: exists")
        except ClientError as exc:
            if _code(exc) != "RuleSetDoesNotExist":
                raise
            plan.do(f"create SES receipt rule set {rule_set}",
                    lambda: client.create_receipt_rule_set(RuleSetName=rule_set))
            rules = []
        active = (client.describe_active_receipt_rule_set().get("Metadata") or {}).get("Name")
    except (ClientError, BotoCoreError) as exc:
        known = ", ".join(KNOWN_RECEIVING_REGIONS)
        plan.do(f"SES email receiving: skipped; AWS refused it in {region} ({exc}). SES receives email only in "
                f"some regions ({known} among them; see AWS's 'Email receiving endpoints'): run setup_aws with "
                "AWS_REGION set to one of them, or receive mail elsewhere. Nothing was created for receiving.")
        return
    have = next((r for r in rules if r.get("Name") == name), None)
    how = "S3 action (any size)" if settings.SES_RECEIPT_S3_BUCKET else "SNS action, Base64"
    if have is None:
        plan.do(f"create SES receipt rule {name} → {topic_arn} ({how})",
                lambda: client.create_receipt_rule(RuleSetName=rule_set, Rule=wanted))
    elif not _same(have, wanted):
        plan.do(f"update SES receipt rule {name} → {topic_arn} ({how})",
                lambda: client.update_receipt_rule(RuleSetName=rule_set, Rule=wanted))
    else:
        plan.do(f"SES receipt rule {name}: up to date")
    if active == rule_set:
        plan.do(f"SES receipt rule set {rule_set}: active")
    else:
        plan.do(f"make SES receipt rule set {rule_set} the active one (was {active or 'none'})",
                lambda: client.set_active_receipt_rule_set(RuleSetName=rule_set))
