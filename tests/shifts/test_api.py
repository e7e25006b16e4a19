"""POST/GET /api/v1/shifts/ and POST /api/v1/shift-campaigns/ (CONTRACT.md)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from messaging.models import OutboundMessage, Tag
from shifts import services
from shifts.models import CampaignStatus, Shift, ShiftCampaign
from tests.support.clock import iso_day
from tests.support.shifts import sms_in

pytestmark = pytest.mark.django_db


def test_create_a_shift_and_read_it_back_in_any_case(api):
    r = api.post("/api/v1/shifts/", {"code": "xyz1234", "info": "Warehouse picker"}, format="json")
    assert r.status_code == 201
    assert r.json() | {} == {"code": "XYZ1234", "info": "Warehouse picker", "status": "available",
                             "employee": None, "starts_at": None, "ends_at": None, "location": ""}

    r = api.get("/api/v1/shifts/Xyz1234/")
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("code", "info", "status", "employee")} == {
        "code": "XYZ1234", "info": "Warehouse picker", "status": "available", "employee": None}


def test_a_booked_shift_names_the_employee(api, employees):
    [ana] = employees(1)
    api.post("/api/v1/shifts/", {"code": "XYZ1234", "info": "Warehouse picker"}, format="json")
    sms_in(ana, "xyz1234")
    r = api.get("/api/v1/shifts/XYZ1234/")
    assert r.json()["status"] == "taken" and r.json()["employee"] == ana


@pytest.mark.parametrize("code", ["XYZ1234", "xyz1234", " Xyz1234 "])
def test_a_duplicate_code_in_any_case_is_a_400_naming_code(api, code):
    api.post("/api/v1/shifts/", {"code": "XYZ1234", "info": "first"}, format="json")
    r = api.post("/api/v1/shifts/", {"code": code, "info": "second"}, format="json")
    assert r.status_code == 400 and "code" in r.json()
    assert Shift.objects.count() == 1


@pytest.mark.parametrize("body, field", [
    ({"info": "no code"}, "code"),
    ({"code": "X", "info": "too short"}, "code"),
    ({"code": "REQUEST", "info": "a command"}, "code"),
    ({"code": "AB 12", "info": "a space"}, "code"),
    ({"code": "ABC1", "info": "x", "starts_at": f"{iso_day()}T10:00:00Z", "ends_at": f"{iso_day()}T09:00:00Z"},
     "ends_at"),
    ({"code": "ABC1", "info": "x", "starts_at": "tomorrow"}, "starts_at"),
])
def test_bad_shift_input_is_a_400_naming_the_field_and_creates_nothing(api, body, field):
    r = api.post("/api/v1/shifts/", body, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not Shift.objects.exists()


def test_unknown_shift_is_404(api):
    assert api.get("/api/v1/shifts/NOPE99/").status_code == 404


def test_list_shifts_filtered_by_status(api, employees):
    [ana] = employees(1)
    for code in ("AAA1", "BBB2", "CCC3"):
        api.post("/api/v1/shifts/", {"code": code, "info": code}, format="json")
    sms_in(ana, "BBB2")
    r = api.get("/api/v1/shifts/?status=available")
    assert [s["code"] for s in r.json()["results"]] == ["AAA1", "CCC3"]
    assert [s["code"] for s in api.get("/api/v1/shifts/?status=taken").json()["results"]] == ["BBB2"]
    assert api.get("/api/v1/shifts/?status=nonsense").status_code == 400


def test_the_api_needs_a_key(client):
    assert client.get("/api/v1/shifts/XYZ1234/").status_code in (401, 403)
    assert client.post("/api/v1/shift-campaigns/", {}).status_code in (401, 403)


def test_a_campaign_texts_every_contact_carrying_the_tag(api, employees):
    phones = employees(5)
    employees(2, tag="other", start=300)
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api.post("/api/v1/shift-campaigns/",
                     {"name": "Weekend", "message": "Open shifts: XYZ1234. Reply with a code.", "tag": "overtime"},
                     format="json")
    assert r.status_code == 201
    assert r.json() == {"id": ShiftCampaign.objects.get().pk, "recipients": 5}
    sent = OutboundMessage.objects.filter(channel="sms").order_by("recipient")
    assert [m.recipient for m in sent] == phones
    assert {m.body for m in sent} == {"Open shifts: XYZ1234. Reply with a code."}
    assert {m.status for m in sent} == {"sent"}


def test_a_campaign_without_a_message_lists_the_open_shifts(api, employees):
    employees(2)
    api.post("/api/v1/shifts/", {"code": "XYZ1234", "info": "Warehouse picker"}, format="json")
    r = api.post("/api/v1/shift-campaigns/", {"name": "Auto", "tag": "overtime"}, format="json")
    assert r.status_code == 201
    body = OutboundMessage.objects.filter(channel="sms").first().body
    assert "XYZ1234: Warehouse picker" in body and "Reply with a code" in body


@pytest.mark.parametrize("body, field", [
    ({"name": "X", "message": "hi", "tag": "no-such-tag"}, "tag"),
    ({"message": "hi", "tag": "overtime"}, "name"),
    ({"name": "X", "message": "hi"}, "tag"),
    ({"name": "X", "tag": "overtime", "shifts": ["NOPE1"]}, "shifts"),
])
def test_bad_campaign_input_is_a_400_naming_the_field_and_sends_nothing(api, employees, body, field):
    employees(2)
    r = api.post("/api/v1/shift-campaigns/", body, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not ShiftCampaign.objects.exists() and not OutboundMessage.objects.exists()


def test_a_campaign_without_a_message_needs_open_shifts_to_list(api, employees):
    employees(2)
    r = api.post("/api/v1/shift-campaigns/", {"name": "Empty", "tag": "overtime"}, format="json")
    assert r.status_code == 400 and "message" in r.json()
    assert not ShiftCampaign.objects.exists()


def test_a_campaign_message_over_1600_characters_is_a_400_naming_message_and_sends_nothing(api, employees):
    employees(3)
    r = api.post("/api/v1/shift-campaigns/", {"name": "Essay", "message": "x" * 20_000, "tag": "overtime"},
                 format="json")
    assert r.status_code == 400
    assert "1600" in r.json()["message"][0]
    assert not ShiftCampaign.objects.exists() and not OutboundMessage.objects.exists()


def test_a_campaign_message_of_exactly_1600_characters_goes_out(api, employees):
    employees(1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api.post("/api/v1/shift-campaigns/", {"name": "Long", "message": "x" * 1600, "tag": "overtime"},
                     format="json")
    assert r.status_code == 201 and OutboundMessage.objects.get().body == "x" * 1600


def test_the_campaign_service_refuses_an_overlong_message_however_the_draft_was_made(employees):
    employees(2)
    tag = Tag.objects.get(name="overtime")
    with pytest.raises(ValidationError) as refused:
        services.campaign_create(name="Essay", tag=tag, message="x" * 1601)
    assert "1600" in refused.value.message_dict["message"][0]
    assert not ShiftCampaign.objects.exists()
    # The admin composer saves its drafts itself and then calls campaign_send.
    draft = ShiftCampaign.objects.create(name="Essay", tag=tag, message="x" * 1601)
    with pytest.raises(ValidationError, match="1600"):
        services.campaign_send(campaign_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.DRAFT and draft.recipients == 0
    assert not OutboundMessage.objects.exists()


def test_a_shift_code_holding_a_nul_is_404(api):
    assert api.get("/api/v1/shifts/XYZ%00/").status_code == 404
