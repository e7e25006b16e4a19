"""Old path, kept for a release: django-q2 rows already queued name messaging.services.*."""
from messaging.outbound.deliver import message_deliver, messages_deliver_batch, messages_requeue_stale  # noqa: F401
from messaging.outbound.send import message_send, messages_send_bulk, recipient_normalize, recipient_suppressed  # noqa: F401
