"""Where a vendor's answers come from: its REST API (``--url``/``--token``) or a file of them.

The file (CONTRACT "Configuration as code, and moving in") is one JSON object mapping each
request path, relative to the base URL and without its query string, to the body the vendor
returns. Each list in it is one complete page. A missing path is an empty answer, reported.

Over HTTP every list is followed page by page in the vendor's own style (OnCall's ``next`` URL,
Opsgenie's ``paging.next``, PagerDuty's ``more``/``offset``), and a ``429`` waits as long as its
``Retry-After`` says before asking again.
"""

from __future__ import annotations

import email.utils
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from portal.setup_as_code.neutral import SourceMalformed

MAX_PAGES = 1000  # a loop guard: a vendor whose "next" never ends is a malformed source
MAX_429_WAITS = 8
MAX_RETRY_AFTER = 120.0


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float:
    """Seconds a ``Retry-After`` header asks for: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return 1.0
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    now = now or datetime.now(UTC)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER)


class Source:
    """``get(path)`` → a body (dict) or None when missing; ``get_list(path, key)`` → all items."""

    def __init__(self):
        self.missing: list[str] = []
        self.requests = 0

    def get(self, path: str, params: dict | None = None) -> dict | None:
        raise NotImplementedError

    def get_list(self, path: str, key: str, params: dict | None = None) -> list:
        raise NotImplementedError


class FileSource(Source):
    def __init__(self, path: str | Path):
        super().__init__()
        try:
            self.bodies = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceMalformed(f"{path}: not a readable JSON file ({exc})") from None
        if not isinstance(self.bodies, dict):
            raise SourceMalformed(f"{path}: the file must be one JSON object mapping request paths to bodies")

    def get(self, path, params=None):
        self.requests += 1
        if path not in self.bodies:
            self.missing.append(path)
            return None
        body = self.bodies[path]
        if not isinstance(body, dict):
            raise SourceMalformed(f"{path}: the body must be a JSON object")
        return body

    def get_list(self, path, key, params=None):
        body = self.get(path, params)
        if body is None:
            return []
        return _items(body, key, path)


def _items(body: dict, key: str, path: str) -> list:
    items = body.get(key)
    if isinstance(items, dict) and key == "data":  # Opsgenie's heartbeats: {"data": {"heartbeats": [...]}}
        items = next((v for v in items.values() if isinstance(v, list)), None)
    if not isinstance(items, list):
        raise SourceMalformed(f"{path}: expected a list under {key!r}")
    return items


class HttpSource(Source):
    """A vendor's API. ``style`` is ``oncall``, ``opsgenie`` or ``pagerduty`` (auth and paging)."""

    def __init__(self, *, url: str, token: str, style: str, session=None, sleep=time.sleep, timeout=30.0):
        super().__init__()
        import requests  # only the HTTP mode needs it

        self.base = url.rstrip("/")
        self.style, self.sleep, self.timeout = style, sleep, timeout
        self.session = session or requests.Session()
        self.session.headers.update(_auth_headers(style, token))

    def _request(self, url: str, params: dict | None):
        for _ in range(MAX_429_WAITS + 1):
            self.requests += 1
            response = self.session.get(url, params=params, timeout=self.timeout)
            if response.status_code != 429:
                return response
            self.sleep(retry_after_seconds(response.headers.get("Retry-After")))
        raise SourceMalformed(f"{url}: still 429 after {MAX_429_WAITS} waits")

    def get(self, path, params=None):
        response = self._request(self.base + path, params)
        if response.status_code == 404:
            self.missing.append(path)
            return None
        if response.status_code >= 400:
            raise SourceMalformed(f"{path}: HTTP {response.status_code} {response.text[:200]}")
        try:
            body = response.json()
        except ValueError:
            raise SourceMalformed(f"{path}: the answer is not JSON") from None
        if not isinstance(body, dict):
            raise SourceMalformed(f"{path}: the answer must be a JSON object")
        return body

    def get_list(self, path, key, params=None):
        params = dict(params or {})
        out: list = []
        url = self.base + path
        for _ in range(MAX_PAGES):
            response = self._request(url, params)
            if response.status_code == 404:
                self.missing.append(path)
                return out
            if response.status_code >= 400:
                raise SourceMalformed(f"{path}: HTTP {response.status_code} {response.text[:200]}")
            try:
                body = response.json()
            except ValueError:
                raise SourceMalformed(f"{path}: the answer is not JSON") from None
            if not isinstance(body, dict):
                raise SourceMalformed(f"{path}: the answer must be a JSON object")
            page = _items(body, key, path)
            out.extend(page)
            nxt = self._next(body, path, params, len(page))
            if nxt is None:
                return out
            url, params = nxt
        raise SourceMalformed(f"{path}: more than {MAX_PAGES} pages")

    def _next(self, body: dict, path: str, params: dict | None, got: int):
        if self.style == "oncall":
            return (body["next"], None) if body.get("next") else None
        if self.style == "opsgenie":
            nxt = (body.get("paging") or {}).get("next")
            return (nxt, None) if nxt else None
        if body.get("more") and got:  # PagerDuty: classic offset paging
            return self.base + path, {**(params or {}), "offset": int(body.get("offset") or 0) + got}
        return None


def _auth_headers(style: str, token: str) -> dict:
    if style == "pagerduty":
        return {"Authorization": f"Token token={token}", "Accept": "application/vnd.pagerduty+json;version=2"}
    if style == "opsgenie":
        return {"Authorization": f"GenieKey {token}"}
    return {"Authorization": token}  # Grafana OnCall: the bare token
