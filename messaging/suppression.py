"""Email suppression from SES outcomes, and its sync with SES's account-level suppression list.

Adding to the list happens where every event is applied (``messaging.consent.suppression_from_event``
called by ``delivery_event_apply``): a Permanent bounce or any complaint puts the address on
``Suppression`` with the raw event; a Transient or Undetermined bounce suppresses nothing (its
DeliveryEvent row is the record). Later email to a suppressed address is logged ``suppressed``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from messaging.consent import suppression_add
from messaging.models import Suppression, SuppressionReason

log = logging.getLogger(__name__)

# SES's account-level list knows these two reasons only.
SES_REASONS = {SuppressionReason.BOUNCE: "BOUNCE", SuppressionReason.COMPLAINT: "COMPLAINT"}
LOCAL_REASONS = {v: k for k, v in SES_REASONS.items()}


def suppression_remove(*, address: str) -> bool:
    return Suppression.objects.filter(address=address.strip().lower()).delete()[0] > 0


# ---------------------------------------------------------------- SES account-level list


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
            if address in remote:
                continue
            if reason not in SES_REASONS:
                result.skipped.append(address)
                continue
            if not dry_run:
                client.put_suppressed_destination(EmailAddress=address, Reason=SES_REASONS[reason])
            result.pushed.append(address)
    if pull:
        for address, reason in sorted(remote.items()):
            if address in local:
                continue
            if not dry_run:
                suppression_add(address=address, reason=LOCAL_REASONS.get(reason, SuppressionReason.BOUNCE),
                                raw={"source": "ses-account-suppression-list", "Reason": reason})
            result.pulled.append(address)
    return result
