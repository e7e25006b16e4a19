"""Keeping a verified SNS envelope storable exactly as it was signed.

PostgreSQL's text and jsonb types cannot hold U+0000 (nor a lone surrogate, which no UTF-8
can), yet a signed SNS Message may carry a NUL. Refusing to store it would make SNS retry
it until it gives up, and the message would be lost. Instead such an envelope is stored as
its exact JSON text, which json.dumps writes in ASCII with the NUL as the six characters
"\u0000", beside a readable copy of its fields with the NUL shown as U+FFFD.
"""

import json

from messaging.values.storable import clean_json, unstorable

RAW_JSON_KEY = "PortalRawJson"
_REPLACEMENT = "\ufffd"


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
