"""import_from's promises: a second run changes nothing, --dry-run changes nothing, a malformed
source changes nothing, a missing path is reported, and over HTTP every page is read and a
429 waits for its Retry-After (a local HTTP server stands in for the vendor)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command

from incidents.models import AlertIntegration, EscalationLevel, EscalationPolicy
from messaging.models import Contact
from oncall.models import Schedule, ScheduleMember, ScheduleOverride
from portal.models import ImportedObject
from portal.setup_as_code.sources import HttpSource, retry_after_seconds
from tests.portal.setup_as_code.vendor_files import fixture, run_import, write_file

pytestmark = pytest.mark.django_db
TABLES = (Contact, Schedule, ScheduleMember, ScheduleOverride, EscalationPolicy, EscalationLevel, AlertIntegration,
          ImportedObject)


def _state():
    """Every row the import can touch, with the fields it writes."""
    return {
        "contacts": sorted(Contact.objects.values_list("id", "name", "phone", "email", "updated_at")),
        "schedules": sorted(Schedule.objects.values_list("id", "name", "time_zone", "handoff", "turn_hours",
                                                         "updated_at")),
        "members": sorted(ScheduleMember.objects.values_list("id", "schedule_id", "contact_id", "position")),
        "overrides": sorted(ScheduleOverride.objects.values_list("id", "contact_id", "start", "end")),
        "policies": sorted(EscalationPolicy.objects.values_list("id", "name", "repeat", "updated_at")),
        "levels": sorted(EscalationLevel.objects.values_list("id", "schedule_id", "wait_seconds")),
        "integrations": sorted(AlertIntegration.objects.values_list("id", "name", "default_policy_id")),
        "imported": sorted(ImportedObject.objects.values_list("id", "kind", "source_id", "object_id")),
    }


@pytest.mark.parametrize("vendor", ["pagerduty", "opsgenie", "oncall"])
def test_a_second_run_changes_nothing(tmp_path, vendor):
    for c in fixture(vendor).get("contacts", []):
        Contact.objects.create(**c)
    path = write_file(tmp_path, vendor)
    first = run_import(vendor, path)
    before = _state()
    second = run_import(vendor, path)
    assert "Made 0 changes" in second, second
    assert "Made 0 changes" not in first
    assert _state() == before


def test_a_deleted_row_is_made_again_and_nothing_else_changes(tmp_path):
    path = write_file(tmp_path, "pagerduty")
    run_import("pagerduty", path)
    Schedule.objects.filter(name="Follow the sun").delete()
    out = run_import("pagerduty", path)
    assert "create schedule 'Follow the sun'" in out
    assert "create schedule 'Primary'" not in out and "create contact" not in out


def test_dry_run_prints_the_plan_and_changes_nothing(tmp_path):
    out = run_import("pagerduty", write_file(tmp_path, "pagerduty"), "--dry-run")
    assert "Would make" in out and "create schedule 'Primary'" in out and "Dry run: nothing was changed." in out
    assert all(not model.objects.exists() for model in TABLES)


@pytest.mark.parametrize("break_it", [
    lambda f: f["/schedules/PSUN001"]["schedule"]["final_schedule"]["rendered_schedule_entries"][3].update(
        start="the third of March"),
    lambda f: f["/escalation_policies"]["escalation_policies"][1].pop("name"),
    lambda f: f["/schedules/PI7DH85"]["schedule"].update(time_zone="Mars/Olympus_Mons"),
    lambda f: f.update({"/users": {"users": {"not": "a list"}}}),
    lambda f: f["/schedules/PI7DH85"]["schedule"]["schedule_layers"][0]["users"].append({"user": {}}),
], ids=["bad time", "policy without name", "bad zone", "users not a list", "layer user without id"])
def test_a_malformed_source_changes_nothing(tmp_path, break_it):
    Contact.objects.create(name="Someone", phone="+12065550199")
    before = _state()
    body = fixture("pagerduty")["file"]
    break_it(body)
    with pytest.raises(CommandError, match="Nothing imported: the source is malformed"):
        run_import("pagerduty", write_file(tmp_path, "pagerduty", body))
    assert _state() == before


def test_a_file_that_is_not_json_changes_nothing(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not a readable JSON file"):
        run_import("opsgenie", path)
    assert not Contact.objects.exists()


def test_a_missing_path_is_an_empty_answer_and_is_reported(tmp_path):
    body = fixture("pagerduty")["file"]
    del body["/schedules/PI7DH85/overrides"]
    del body["/escalation_policies"]
    out = run_import("pagerduty", write_file(tmp_path, "pagerduty", body))
    assert "/schedules/PI7DH85/overrides: not in the source; read as empty" in out
    assert "/escalation_policies: not in the source; read as empty" in out
    assert Schedule.objects.count() == 2 and not EscalationPolicy.objects.exists()


# --- over HTTP ------------------------------------------------------------------------------

class Vendor(BaseHTTPRequestHandler):
    """Serves each vendor's lists two items a page, in that vendor's paging style, and answers
    the first request of all with 429 and ``Retry-After``."""

    pages: dict = {}
    calls: list = []
    throttle_first = True
    retry_after = "1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        type(self).calls.append((url.path, query, time.monotonic(), self.headers.get("Authorization")))
        if type(self).throttle_first:
            type(self).throttle_first = False
            self.send_response(429)
            self.send_header("Retry-After", type(self).retry_after)
            self.end_headers()
            return
        style, key, items = self.pages.get(url.path, (None, None, None))
        if items is None:
            self.send_response(404)
            self.end_headers()
            return
        offset = int(query.get("offset", ["0"])[0])
        page = items[offset:offset + 2]
        more = offset + 2 < len(items)
        base = f"http://{self.headers['Host']}{url.path}"
        if style == "pagerduty":
            body = {key: page, "limit": 2, "offset": offset, "more": more}
        elif style == "opsgenie":
            body = {key: page, "paging": {"next": f"{base}?offset={offset + 2}&limit=2"} if more else {}}
        else:
            body = {"count": len(items), "next": f"{base}?offset={offset + 2}" if more else None, key: page}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def vendor_server():
    Vendor.pages, Vendor.calls, Vendor.throttle_first, Vendor.retry_after = {}, [], True, "1"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Vendor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("style", "path", "key"), [
    ("pagerduty", "/users", "users"), ("opsgenie", "/v2/users", "data"), ("oncall", "/api/v1/users/", "results")])
def test_every_page_is_read_in_the_vendors_style(vendor_server, style, path, key):
    Vendor.throttle_first = False
    Vendor.pages = {path: (style, key, [{"id": str(i)} for i in range(7)])}
    source = HttpSource(url=vendor_server, token="t0ken", style=style)
    assert [u["id"] for u in source.get_list(path, key)] == [str(i) for i in range(7)]
    assert len(Vendor.calls) == 4
    assert {c[3] for c in Vendor.calls} == {{"pagerduty": "Token token=t0ken", "opsgenie": "GenieKey t0ken",
                                             "oncall": "t0ken"}[style]}


def test_the_command_over_http_waits_out_a_429_and_imports_every_page(vendor_server):
    body = fixture("pagerduty")["file"]
    details = ("/schedules/PI7DH85", "/schedules/PSUN001")  # one object each, not a list
    lists = {path: next(k for k in answer if isinstance(answer[k], list)) for path, answer in body.items()
             if path not in details}
    Vendor.pages = {path: ("pagerduty", key, body[path][key]) for path, key in lists.items()}

    class Detail(Vendor):
        def do_GET(self):
            name = urlparse(self.path).path
            if name in details:
                data = json.dumps(body[name]).encode()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(data)
                return
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Detail)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = StringIO()
        started = time.monotonic()
        call_command("import_from", "pagerduty", "--url", f"http://127.0.0.1:{server.server_address[1]}",
                     "--token", "t0ken", stdout=out)
    finally:
        server.shutdown()
        server.server_close()
    throttled, retried = Vendor.calls[0], Vendor.calls[1]
    assert retried[2] - throttled[2] >= 1.0 and time.monotonic() - started >= 1.0
    assert Contact.objects.count() == 5  # six users over three pages; Frank has no phone
    user_pages = [c for c in Vendor.calls if c[0] == "/users"]
    assert [c[1].get("offset", ["0"])[0] for c in user_pages] == ["0", "0", "2", "4"]  # the 429, then three pages
    assert user_pages[1][1]["include[]"] == ["contact_methods", "notification_rules"]
    assert Schedule.objects.count() == 2


def test_retry_after_reads_seconds_and_http_dates():
    from datetime import UTC, datetime

    now = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("3", now=now) == 3.0
    assert retry_after_seconds("Mon, 07 Dec 2026 12:00:05 GMT", now=now) == 5.0
    assert retry_after_seconds(None, now=now) == 1.0
    assert retry_after_seconds("100000", now=now) == 120.0
