"""The inbound handler that takes a self-test's echo, first in INBOUND_SMS_HANDLERS: the echo
must be matched before the consent keywords or a shift code read its words."""

from __future__ import annotations

from messaging.inbound.handlers import HandlerResult
from messaging.selftest.models import SelfTestState
from messaging.selftest.services import self_test_answer


def self_test_handler(inbound) -> HandlerResult | None:
    run = self_test_answer(inbound=inbound)
    if run is None:
        return None
    if run.round_trip_seconds is None:
        return None  # not a nonce of ours: someone quoting the text, say
    late = "" if run.state == SelfTestState.OK else ", too late: the failure was already told"
    return HandlerResult(outcome=f"self-test {run.nonce}: back in {run.round_trip_seconds:.1f} s{late}", owner=run)


self_test_handler.before_owner = True  # an echo answers our own test SMS; no other owner may take it
