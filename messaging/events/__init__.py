"""Delivery events: the vocabulary (types, a leaf), AWS's parsers and classifier (aws), the applier (apply).

Dependency runs one way: types ← aws ← apply → consent.
"""
