"""Send-time data (issue 25 §4): a bulk send's enrichment URL, called per recipient before their
message, against a real HTTP server in the test: good, slow, failing and malicious answers, each
handled by the send's failure policy; the signature verifies; an answer is fetched once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone

from messaging.audience.bulk_enrich import bulk_send_enrich
from messaging.audience.bulk_sends import bulk_send_place
from messaging.models import BulkRecipient, BulkSend, OutboundMessage, Timer, TimerState
from messaging.scheduling.timers import timers_fire_due

# Transactional: the calls must be made with no transaction open, which a test wrapped in one
# could never show.
pytestmark = pytest.mark.django_db(transaction=True)

ANA, BEN = "+12065550101", "+12065550102"
KEY = "test-signing-key"


class Receiver(BaseHTTPRequestHandler):
    """The sender's enrichment endpoint; each path answers one way."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        srv = self.server
        srv.calls.append({"path": self.path, "headers": dict(self.headers), "body": body,
                          # The portal's own connection, at the moment it called: inside a transaction?
                          "in_atomic_block": srv.portal_connection.in_atomic_block})
        recipient = json.loads(body)["recipient"]
        if self.path == "/good" or (self.path == "/flaky" and sum(
                c["path"] == "/flaky" and json.loads(c["body"])["recipient"] == recipient for c in srv.calls) > 1):
            return self._send(200, json.dumps({"balance": f"{len(recipient)}.50", "due": "May 3", "n": 2,
                                               "bad key": "dropped"}).encode())
        if self.path == "/reentrant":
            if len(srv.calls) == 1:
                # Another worker runs the same step while this call is in flight: it finds every
                # due recipient claimed, and calls nobody.
                srv.second_run = bulk_send_enrich(bulk_id=BulkSend.objects.get().pk)
                connections.close_all()
            return self._send(200, b'{"balance": "1"}')
        if self.path == "/slow":
            time.sleep(1.5)
            return self._send(200, b'{"balance": "late"}')
        if self.path == "/huge":  # no Content-Length: only reading it tells its size
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"balance": "' + b"9" * 300_000 + b'"}')
            return None
        if self.path == "/notjson":
            return self._send(200, b"<html>hello</html>")
        if self.path == "/list":
            return self._send(200, b'["not", "an", "object"]')
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{srv.other_port}/good")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._send(500, b'{"error": "down"}')

    def _send(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def _serve():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.calls, server.portal_connection, server.other_port = [], connections["default"], 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def receiver(settings):
    settings.DEBUG = True  # plain http to this machine is allowed only with DEBUG on
    settings.ENRICHMENT_SIGNING_KEY = KEY
    settings.ENRICHMENT_TIMEOUT_SECONDS = 0.5
    settings.ENRICHMENT_RETRY_BASE_SECONDS = 1
    server, other = _serve(), _serve()
    server.other_port = other.server_address[1]
    server.other = other
    yield server
    for s in (server, other):
        s.shutdown()
        s.server_close()


def _create(api, receiver, path, *, on_failure="skip", expect=201, quiet_hours=None, **extra):
    url = f"http://127.0.0.1:{receiver.server_address[1]}{path}"
    response = api.post("/api/v1/bulk-sends/", {
        "name": "Balances", "message": "Hi {name}, you owe {ext.balance} by {ext.due}.",
        "recipients": [{"phone": ANA, "name": "Ana"}, {"phone": BEN, "name": "Ben"}],
        "enrichment": {"url": url, "on_failure": on_failure, **extra},
        **({"quiet_hours": quiet_hours} if quiet_hours else {})}, format="json")
    assert response.status_code == expect, response.content
    return response.json()


def _rows(api, send_id):
    return {r["phone"]: r for r in api.get(f"/api/v1/bulk-sends/{send_id}/recipients/").json()["results"]}


def _bodies():
    return dict(OutboundMessage.objects.values_list("recipient", "body"))


def test_a_good_answer_fills_ext_placeholders_and_each_call_is_signed_outside_any_transaction(api, receiver):
    made = _create(api, receiver, "/good")
    assert _bodies() == {ANA: "Hi Ana, you owe 12.50 by May 3.", BEN: "Hi Ben, you owe 12.50 by May 3."}
    assert api.get(f"/api/v1/bulk-sends/{made['id']}/").json()["status"] == "sent"
    assert len(receiver.calls) == 2
    for call in receiver.calls:
        assert call["in_atomic_block"] is False
        # What a receiver does: recompute the HMAC over timestamp "." raw body with the shared key.
        ts, body = call["headers"]["X-Portal-Timestamp"], call["body"]
        expected = "sha256=" + hmac.new(KEY.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(call["headers"]["X-Portal-Signature"], expected)
        assert abs(int(ts) - time.time()) < 60
    assert sorted(json.loads(c["body"])["recipient"] for c in receiver.calls) == [ANA, BEN]
    assert json.loads(receiver.calls[0]["body"])["columns"]["name"] in ("Ana", "Ben")
    # The answer is kept on the row: placing again, or another fetch, calls nobody.
    assert BulkRecipient.objects.get(address=ANA).ext == {"balance": "12.50", "due": "May 3", "n": "2"}
    bulk_send_enrich(bulk_id=made["id"])
    bulk_send_place(bulk_id=made["id"])
    assert len(receiver.calls) == 2 and OutboundMessage.objects.count() == 2


def test_a_second_run_while_calls_are_in_flight_calls_nobody_twice(api, receiver):
    _create(api, receiver, "/reentrant")
    assert receiver.second_run == 0
    assert sorted(json.loads(c["body"])["recipient"] for c in receiver.calls) == [ANA, BEN]  # once each
    assert OutboundMessage.objects.count() == 2


@pytest.mark.parametrize(("path", "reason"), [
    ("/fail", "answered 500"),
    ("/slow", "no answer within 0.5 s"),
    ("/huge", "bytes allowed"),
    ("/notjson", "not JSON"),
    ("/list", "not an object"),
    ("/redirect", "redirect to localhost, which is not followed"),
])
def test_a_bad_answer_skips_the_person_with_the_reason(api, receiver, path, reason):
    made = _create(api, receiver, path, on_failure="skip")
    rows = _rows(api, made["id"])
    assert {r["status"] for r in rows.values()} == {"failed"}
    assert reason in rows[ANA]["error"], rows[ANA]["error"]
    assert not OutboundMessage.objects.exists()
    assert api.get(f"/api/v1/bulk-sends/{made['id']}/").json()["failed"] == 2
    assert receiver.other.calls == []  # the redirect's target was never called


def test_send_without_sends_with_the_ext_placeholders_empty(api, receiver):
    made = _create(api, receiver, "/notjson", on_failure="send_without")
    assert _bodies() == {ANA: "Hi Ana, you owe  by .", BEN: "Hi Ben, you owe  by ."}
    assert "not JSON" in _rows(api, made["id"])[ANA]["error"]


def _fire_all(until_minutes=30):
    """Let the clock run: every pending timer fires (their callbacks queue the fetches)."""
    at = timezone.now()
    for _ in range(20):
        at += timedelta(minutes=1)
        timers_fire_due(now=at)
        if not Timer.objects.filter(state=TimerState.PENDING).exists():
            return


def test_hold_defers_and_retries_with_backoff_then_fails_after_its_retries(api, receiver):
    made = _create(api, receiver, "/fail", on_failure="hold", retries=2)
    rows = _rows(api, made["id"])
    assert rows[ANA]["status"] == "deferred" and rows[ANA]["release_at"] and "answered 500" in rows[ANA]["error"]
    assert Timer.objects.filter(state=TimerState.PENDING, callback="messaging.tasks.bulk_send_release").exists()
    _fire_all()
    rows = _rows(api, made["id"])
    assert rows[ANA]["status"] == "failed" and "after 3 tries" in rows[ANA]["error"]
    assert sum(json.loads(c["body"])["recipient"] == ANA for c in receiver.calls) == 3
    assert not OutboundMessage.objects.exists()
    assert all(c["in_atomic_block"] is False for c in receiver.calls)


def test_hold_sends_once_the_url_answers_and_calls_only_those_still_missing(api, receiver):
    made = _create(api, receiver, "/flaky", on_failure="hold")
    assert {r["status"] for r in _rows(api, made["id"]).values()} == {"deferred"}
    _fire_all()
    assert _bodies() == {ANA: "Hi Ana, you owe 12.50 by May 3.", BEN: "Hi Ben, you owe 12.50 by May 3."}
    assert len(receiver.calls) == 4  # one failure and one answer each; the answer is never asked again
    assert BulkSend.objects.get(pk=made["id"]).status == "sent"


@pytest.mark.parametrize(("enrichment", "field"), [
    ({"url": "https://user:pw@example.com/hook"}, "credentials"),
    ({"url": "ftp://example.com/hook"}, "https"),
    ({"url": "http://example.com/hook"}, "https"),  # plain http to another machine, even in DEBUG
    ({"url": "/relative"}, "absolute"),
    ({"url": "https://example.com/hook", "on_failure": "retry forever"}, "on_failure"),
    ({"url": "https://example.com/hook", "retries": 99}, "retries"),
])
def test_a_bad_enrichment_is_a_400_and_nothing_is_made(api, receiver, enrichment, field):
    response = api.post("/api/v1/bulk-sends/", {"name": "x", "message": "{ext.balance}",
                                               "recipients": [{"phone": ANA}], "enrichment": enrichment},
                        format="json")
    assert response.status_code == 400 and field in response.content.decode(), response.content
    assert not BulkSend.objects.exists()


def test_plain_http_needs_debug_the_key_must_be_set_and_ext_needs_a_url(api, receiver, settings):
    settings.DEBUG = False
    _create(api, receiver, "/good", expect=400)
    settings.DEBUG, settings.ENRICHMENT_SIGNING_KEY = True, ""
    assert "ENRICHMENT_SIGNING_KEY" in str(_create(api, receiver, "/good", expect=400))
    response = api.post("/api/v1/bulk-sends/", {"name": "x", "message": "Owe {ext.balance}",
                                               "recipients": [{"phone": ANA}]}, format="json")
    assert response.status_code == 400 and "{ext.balance}" in response.content.decode()
    assert not BulkSend.objects.exists() and receiver.calls == []


def test_a_recipient_held_by_quiet_hours_is_called_once_and_sent_with_that_answer_later(api, receiver):
    # +1 206 is Seattle: a window around Los Angeles' clock now holds both recipients.
    local = timezone.now().astimezone(ZoneInfo("America/Los_Angeles"))
    window = {"start": (local - timedelta(hours=1)).strftime("%H:%M"),
              "end": (local + timedelta(hours=1)).strftime("%H:%M")}
    made = _create(api, receiver, "/good", quiet_hours=window)
    rows = _rows(api, made["id"])
    assert {r["status"] for r in rows.values()} == {"deferred"} and not OutboundMessage.objects.exists()
    assert len(receiver.calls) == 2  # fetched when first due, kept on the row
    release = datetime.fromisoformat(rows[ANA]["release_at"])
    timers_fire_due(now=release)
    assert _bodies() == {ANA: "Hi Ana, you owe 12.50 by May 3.", BEN: "Hi Ben, you owe 12.50 by May 3."}
    assert len(receiver.calls) == 2
