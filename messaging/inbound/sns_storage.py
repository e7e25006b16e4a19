"""Keeping a verified SNS envelope storable exactly as it was signed.

PostgreSQL's text and jsonb types cannot hold U+0000 (nor a lone surrogate, which no UTF-8
can), yet a signed SNS Message may carry a NUL. Refusing to store it would make SNS retry
it until it gives up, and the message would be lost. Instead such an envelope is stored as
its exact JSON text, which json.dumps writes in ASCII with the NUL as the six characters
"\u0000", beside a readable copy of its fields with the NUL shown as U+FFFD.
"""

import json

RAW_JSON_KEY = "PortalRawJson"
_REPLACEMENT = "\ufffd"


def has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def clean_text(text: str, nul: str = "") -> str:
    """``text`` with NUL replaced by ``nul`` and lone surrogates by U+FFFD: storable anywhere."""
    if text.isascii():
        return text.replace("\x00", nul) if "\x00" in text else text
    text = text.replace("\x00", nul)
    # surrogatepass then replace: each lone surrogate becomes one U+FFFD, valid pairs stay.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean_json(value, nul: str = "", *, max_depth: int = 64):
    """A copy of a decoded JSON value with every string (keys too) passed through clean_text.

    Raises ``ValueError`` for a value nested deeper than ``max_depth``, well before Python's
    own recursion limit could be reached.
    """
    if isinstance(value, str):
        return clean_text(value, nul)
    if max_depth <= 0:
        raise ValueError("JSON nested too deeply")
    if isinstance(value, dict):
        return {clean_text(k, nul) if isinstance(k, str) else k: clean_json(v, nul, max_depth=max_depth - 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v, nul, max_depth=max_depth - 1) for v in value]
    return value


def unstorable(value) -> bool:
    """Whether a decoded JSON value holds a string (or key) that PostgreSQL cannot store."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def envelope_for_storage(envelope: dict) -> dict:
    """What to write to a JSON column for ``envelope``: itself, or (if it holds what PostgreSQL
    cannot) a readable copy plus its exact JSON under ``RAW_JSON_KEY``.

    An envelope that arrives with a ``RAW_JSON_KEY`` of its own (an unsigned field anyone can
    add) is wrapped too, so a stored ``RAW_JSON_KEY`` is always ours and
    ``envelope_from_storage`` can never be made to return something SNS did not sign.
    """
    if RAW_JSON_KEY not in envelope and not unstorable(envelope):
        return envelope
    readable = clean_json({k: v for k, v in envelope.items() if k != RAW_JSON_KEY}, nul=_REPLACEMENT)
    readable[RAW_JSON_KEY] = json.dumps(envelope)
    return readable


def envelope_from_storage(raw) -> dict:
    """The envelope exactly as received, from what ``envelope_for_storage`` wrote."""
    if isinstance(raw, dict) and isinstance(raw.get(RAW_JSON_KEY), str):
        return json.loads(raw[RAW_JSON_KEY])
    return raw
