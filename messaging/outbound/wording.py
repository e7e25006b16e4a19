"""Two rules every text the portal sends keeps, whichever app wrote it.

- Line breaks are ``\\n``. A browser submits a textarea with ``\\r\\n``; sent as it is, each
  break is two characters in the SMS (one a stray carriage return some phones show as a box).
- A person's words are closed before a fixed sentence follows them, so "Gas smell" and
  "Reply YES…" never run together into one sentence.
"""

from __future__ import annotations

_SENTENCE_ENDS = (".", "!", "?", "…")


def line_breaks_normalize(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` as ``\\n``."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def sentence(text: str) -> str:
    """``text`` ending in a full stop unless it already ends a sentence ('' stays '')."""
    text = (text or "").rstrip()
    return text if not text or text.endswith(_SENTENCE_ENDS) else text + "."
