"""Old path, kept for a release: the simulator views are messaging.simulator.views."""
from messaging.simulator.views import *  # noqa: F401,F403
