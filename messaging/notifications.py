"""Old path, kept for a release: the notification-resume Schedule and callers name it."""
from messaging.inbound.notifications import *  # noqa: F401,F403
from messaging.simulator.events import SIMULATOR_TOPIC_ARN, notification_ingest_local, simulated_envelope  # noqa: F401
