"""The pager watches itself (GoAlert's "remote monitor"): a test SMS with a nonce goes to
``SELF_TEST_NUMBER`` every ``SELF_TEST_MINUTES`` and must come back inbound through /sns/ within
``SELF_TEST_TIMEOUT_SECONDS``; a failure is told by email (never by SMS, the channel that failed).

``models`` (one row per run), ``services`` (the tick, the deadline, the alert), ``handler`` (the
inbound handler that takes the echo, first in INBOUND_SMS_HANDLERS), ``selectors`` (for /metrics).
Nothing is imported here: messaging.models imports this package's models.
"""
