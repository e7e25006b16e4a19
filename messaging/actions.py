"""Services that messaging's admin actions call, so the admin only calls services.

They sit here, not beside the code they wrap, because that code (``inbound.notifications``,
``consent``) was being moved at the same time; each belongs in its stage's package:
``subscriptions_confirm`` and ``notifications_rerun`` beside ``notification_reprocess``,
``suppression_save`` in ``consent.suppression``.
"""

from __future__ import annotations

from dataclasses import dataclass

from messaging.inbound.notifications import notification_reprocess, subscription_confirm
from messaging.models import NotificationStatus, SnsNotification, Suppression


def subscriptions_confirm(*, notifications) -> list[tuple[SnsNotification, bool, str]]:
    """Confirm the subscription confirmations among ``notifications`` (a queryset); others are passed over."""
    return [(n, *subscription_confirm(notification=n)) for n in notifications.filter(type="SubscriptionConfirmation")]


@dataclass(frozen=True)
class RerunResult:
    done: int
    failed: int
    skipped: int


def notifications_rerun(*, notifications) -> RerunResult:
    """Re-run processing of each; those already processed are skipped, and counted as such."""
    results = [notification_reprocess(notification=n) for n in notifications]
    done = [r for r in results if r is not None]
    return RerunResult(done=len(done), failed=sum(1 for r in done if r == NotificationStatus.FAILED),
                       skipped=len(results) - len(done))


def suppression_save(*, suppression: Suppression) -> Suppression:
    """Save an address suppressed by hand, compared as the pipeline compares it: trimmed, lower case."""
    suppression.address = suppression.address.strip().lower()
    suppression.save()
    return suppression
