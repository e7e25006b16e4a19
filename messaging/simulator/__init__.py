"""The simulator: provider events (events), the phone page's data (phone) and its views.

The simulator transports themselves are ``messaging.transports.simulator``. Old
``messaging.simulator.X`` paths (queued ``simulator_emit_event`` tasks) resolve through
``messaging.old_paths``.
"""
from messaging.old_paths import old_names

__getattr__ = old_names(__name__, ("events", "phone"))
