"""Old path, kept for a release: now messaging.outbound.pace."""
from messaging.outbound.pace import *  # noqa: F401,F403
