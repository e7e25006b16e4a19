"""What /metrics publishes about the self-test."""

from __future__ import annotations

from messaging.selftest.models import SelfTestRun, SelfTestState


def self_test_last_success() -> SelfTestRun | None:
    return (SelfTestRun.objects.filter(state=SelfTestState.OK, answered_at__isnull=False)
            .order_by("-answered_at").first())


def self_test_last_failure() -> SelfTestRun | None:
    return SelfTestRun.objects.filter(state=SelfTestState.FAILED).order_by("-slot").first()
