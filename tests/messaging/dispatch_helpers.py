"""Old home of the omnichannel test helpers, for test modules not moved yet: see tests/support/omnichannel.py."""

from tests.support.omnichannel import SMS_TO_EMAIL, attempt, payload, send_event

__all__ = ["SMS_TO_EMAIL", "attempt", "payload", "send_event"]
