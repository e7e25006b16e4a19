"""Old path, kept for a release: Timer rows and queued tasks may still name messaging.timers."""
from messaging.scheduling.timers import *  # noqa: F401,F403
from messaging.scheduling.timers import timer_fire, timer_schedule, timers_fire_due, timers_sweep  # noqa: F401
