"""Send-time data for a bulk send (seed 004's CampaignHook): one signed POST per recipient to the
send's enrichment URL, whose JSON object fills ``{ext.*}`` placeholders.

A leaf: it knows the HTTP exchange and nothing of sends or rows (``bulk_enrich`` does those).
The URL is the sender's, so the answer is untrusted: a short timeout over the whole exchange, no
redirect followed (a 3xx could point anywhere, the cloud's metadata address included), a body
read in pieces and refused past ``RESPONSE_MAX`` bytes, and only a JSON object with plain keys.

Signing: ``X-Portal-Signature: sha256=<hex HMAC-SHA256(ENRICHMENT_SIGNING_KEY, timestamp + "." + body)>``
with ``X-Portal-Timestamp`` the Unix seconds of the call. A receiver recomputes it over the raw
body, compares in constant time, and refuses a timestamp more than a few minutes old (replay).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import ssl
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

RESPONSE_MAX = 64 * 1024
EXT_KEYS_MAX = 100  # keys kept from one answer
EXT_VALUE_MAX = 2000  # characters of one value, as a column's
TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-Portal-Timestamp", "X-Portal-Signature"
POLICIES = ("skip", "send_without", "hold")


class EnrichmentFailed(Exception):
    """The call gave no usable answer; the message says why (stored on the recipient's row)."""


def enrichment_url_check(url: str) -> str:
    """``url`` if the portal may call it: https, or http to a loopback host only in DEBUG (and the
    tests); never with credentials in it. ValidationError otherwise."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError("Put no credentials in the URL: the portal signs each call instead.")
    if not parts.hostname:
        raise ValidationError("Give an absolute URL, https://host/path.")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and settings.DEBUG and _loopback(parts.hostname):
        return url
    raise ValidationError("The URL must be https (plain http only to this machine, and only with DEBUG on).")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def signature(*, key: str, timestamp: str, body: bytes) -> str:
    """The value of ``X-Portal-Signature`` for ``body`` sent at ``timestamp``."""
    return "sha256=" + hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def enrichment_fetch(*, url: str, recipient: str, columns: dict) -> dict[str, str]:
    """POST ``{"recipient", "columns"}`` to ``url``; the answer's keys and values as text, or
    EnrichmentFailed. Never called inside a transaction: a slow receiver would hold its locks."""
    if connection.in_atomic_block:
        raise RuntimeError("enrichment_fetch inside a database transaction")
    body = json.dumps({"recipient": recipient, "columns": columns}, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "Accept": "application/json", TIMESTAMP_HEADER: timestamp,
               SIGNATURE_HEADER: signature(key=settings.ENRICHMENT_SIGNING_KEY, timestamp=timestamp, body=body)}
    timeout = settings.ENRICHMENT_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body, headers)
        response = conn.getresponse()
        if 300 <= response.status < 400:
            where = urlsplit(response.getheader("Location") or "").hostname or "elsewhere"
            raise EnrichmentFailed(f"answered {response.status}, a redirect to {where}, which is not followed")
        if response.status != 200:
            raise EnrichmentFailed(f"answered {response.status}")
        raw = _read_capped(response, deadline=deadline)
    except TimeoutError as exc:
        raise EnrichmentFailed(f"no answer within {timeout:g} s") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise EnrichmentFailed(f"could not be reached ({type(exc).__name__}: {exc})") from exc
    finally:
        conn.close()
    return _answer(raw)


def _read_capped(response, *, deadline: float) -> bytes:
    """The body, in pieces: one past RESPONSE_MAX, or still coming at the deadline, is refused."""
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > RESPONSE_MAX:
        raise EnrichmentFailed(f"answered {length} bytes, over the {RESPONSE_MAX} allowed")
    chunks, size = [], 0
    while chunk := response.read1(16 * 1024):
        size += len(chunk)
        if size > RESPONSE_MAX:
            raise EnrichmentFailed(f"answered more than the {RESPONSE_MAX} bytes allowed")
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(raw: bytes) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise EnrichmentFailed("answered something that is not JSON") from exc
    if not isinstance(data, dict):
        raise EnrichmentFailed("answered JSON that is not an object")
    out = {}
    for key, value in list(data.items())[:EXT_KEYS_MAX]:
        if not str(key).isidentifier():
            continue  # {ext.<key>} could not name it
        text = value if isinstance(value, str) else json.dumps(value) if value is not None else ""
        out[key] = text[:EXT_VALUE_MAX]
    return out
