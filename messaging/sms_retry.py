"""Old path, kept for a release: settings and Timer rows may still name messaging.sms_retry.*."""
from messaging.outbound.sms_retry import RETRY_CALLBACK, sms_retry_on_delivery_outcome, sms_retry_send  # noqa: F401
