"""The simulator: provider events (events), the phone page's data (phone) and its views.

The simulator transports themselves are ``messaging.transports.simulator`` and ``.locmem``.
``messaging.simulator.simulator_emit_event``, held by tasks queued before messaging 0008,
resolves through ``messaging.legacy_paths``.
"""
from messaging.legacy_paths import package_getattr

__getattr__ = package_getattr(__name__)
