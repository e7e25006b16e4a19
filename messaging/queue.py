"""Old path, kept for a release: django-q2 and settings may still name messaging.queue."""
from messaging.scheduling.queue import *  # noqa: F401,F403
from messaging.scheduling.queue import PortalOrmBroker, enqueue, stopping_event_install, worker_stopping  # noqa: F401
