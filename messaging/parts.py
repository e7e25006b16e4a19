"""Old path, kept for a release: now messaging.outbound.parts."""
from messaging.outbound.parts import *  # noqa: F401,F403
