"""Old path, kept for a release: the code is in ``messaging.api.parsers``."""

from messaging.api.parsers import StrictJSONParser, text_problem

__all__ = ["StrictJSONParser", "text_problem"]
