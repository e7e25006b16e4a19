"""Our consent lists mirrored with AWS's: SMS opt-outs and SES's account-level suppression list.

Both syncs in one place because both are the same chore (AWS keeps its own list and must agree
with ours); the commands sync_opt_outs and sync_suppressions call them. The AWS client is looked
up through the module (``clients.aws_client``) so that tests can swap it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from messaging.consent.optouts import optout_record
from messaging.consent.suppression import suppression_add
from messaging.erasure.keys import PREFIX, erased_key
from messaging.models import OptOut, Suppression, SuppressionReason
from messaging.transports import clients

# SES's account-level list knows these two reasons only.
SES_REASONS = {SuppressionReason.BOUNCE: "BOUNCE", SuppressionReason.COMPLAINT: "COMPLAINT"}
LOCAL_REASONS = {v: k for k, v in SES_REASONS.items()}


@dataclass
class OptOutSyncResult:
    pushed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pulled: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def optouts_sync_to_aws(*, client=None, list_name: str = "", remove_opted_in: bool = True,
                        pull: bool = False) -> OptOutSyncResult:
    """Mirror our opt-outs into an AWS End User Messaging opt-out list.

    Every active opt-out is put on the list (``put_opted_out_number``, idempotent on AWS's
    side). Numbers that came back with START are taken off (``delete_opted_out_number``),
    otherwise AWS would keep refusing to send to them. With ``pull``, numbers on the AWS list
    that we do not know are recorded here too (source ``sync``).
    """
    client = client or clients.aws_client("pinpoint-sms-voice-v2")
    list_name = list_name or settings.SMS_OPT_OUT_LIST
    result = OptOutSyncResult()
    # An erased person's opt-out holds only a keyed hash (messaging/erasure/keys.py): nothing to push,
    # and AWS's list keeps the number it already has, which the portal cannot erase.
    mine = OptOut.objects.exclude(phone__startswith=PREFIX).order_by("phone")
    for phone in mine.filter(active=True).values_list("phone", flat=True):
        try:
            client.put_opted_out_number(OptOutListName=list_name, OptedOutNumber=phone)
            result.pushed.append(phone)
        except (ClientError, BotoCoreError) as exc:
            result.errors.append(f"put {phone}: {exc}")
    if remove_opted_in:
        for phone in mine.filter(active=False).values_list("phone", flat=True):
            try:
                client.delete_opted_out_number(OptOutListName=list_name, OptedOutNumber=phone)
                result.removed.append(phone)
            except ClientError as exc:
                # Not on the list (never synced, or already removed) is the normal case here.
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    result.errors.append(f"delete {phone}: {exc}")
            except BotoCoreError as exc:
                result.errors.append(f"delete {phone}: {exc}")
    if pull:
        known = set(OptOut.objects.values_list("phone", flat=True))
        kwargs = {"OptOutListName": list_name}
        while True:
            try:
                page = client.describe_opted_out_numbers(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                result.errors.append(f"describe: {exc}")
                break
            for item in page.get("OptedOutNumbers", []):
                phone = item.get("OptedOutNumber", "")
                # An erased number's list entry is not pulled back in the clear: its key already holds.
                if phone and phone not in known and erased_key(phone, length=32) not in known:
                    optout_record(phone=phone, keyword="", source="sync")
                    result.pulled.append(phone)
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return result


@dataclass
class SyncResult:
    pushed: list[str] = field(default_factory=list)
    pulled: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def suppressions_sync(*, client, push: bool = True, pull: bool = True, dry_run: bool = False) -> SyncResult:
    """Make the portal's list and SES's account-level suppression list agree (both only grow).

    Push: every local bounce/complaint address not yet at SES → ``put_suppressed_destination``.
    Pull: every address SES suppresses that the portal does not → a local row (reason from SES).
    Addresses suppressed by hand (reason ``manual``) stay local: SES has no such reason.
    """
    result = SyncResult()
    remote: dict[str, str] = {}
    token = None
    while True:
        page = client.list_suppressed_destinations(**({"NextToken": token} if token else {}))
        for item in page.get("SuppressedDestinationSummaries", []):
            remote[item["EmailAddress"].lower()] = item["Reason"]
        token = page.get("NextToken")
        if not token:
            break
    local = dict(Suppression.objects.values_list("address", "reason"))
    if push:
        for address, reason in sorted(local.items()):
            if address in remote or address.startswith(PREFIX):
                continue
            if reason not in SES_REASONS:
                result.skipped.append(address)
                continue
            if not dry_run:
                client.put_suppressed_destination(EmailAddress=address, Reason=SES_REASONS[reason])
            result.pushed.append(address)
    if pull:
        for address, reason in sorted(remote.items()):
            if address in local or erased_key(address) in local:
                continue
            if not dry_run:
                suppression_add(address=address, reason=LOCAL_REASONS.get(reason, SuppressionReason.BOUNCE),
                                raw={"source": "ses-account-suppression-list", "Reason": reason})
            result.pulled.append(address)
    return result
