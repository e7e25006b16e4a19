"""Delivery events: the vocabulary (types, a leaf), AWS's parsers and classifier (aws), the applier (apply).

Dependency runs one way: types ← aws ← apply → consent. Old ``messaging.events.X`` paths resolve
through ``messaging.old_paths``.
"""
from messaging.old_paths import old_names

__getattr__ = old_names(__name__, ("types", "aws", "apply"))
