"""The end-to-end story the outside suite checks, through the API and inbound SMS only."""

import pytest

from tests.support.shifts import sms_in
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EMPLOYEES = [f"+1425555{i:04d}" for i in range(100, 108)]
STRANGER = "+14255559999"


def log_for(api, phone, channel="sms"):
    return api.get("/api/v1/message-log/", {"recipient": phone, "channel": channel}).json()["results"]


def test_campaign_race_request_agent_and_a_stranger(api):
    for i, phone in enumerate(EMPLOYEES):
        assert api.post("/api/v1/contacts/", {"name": f"Employee {i}", "phone": phone, "tags": ["overtime"]},
                        format="json").status_code == 201
        assert api.post("/api/v1/allow-list/", {"phone": phone, "scope": "shifts"}, format="json").status_code == 201
    for code, info in (("XYZ1234", "Warehouse picker"), ("ABC9876", "Forklift driver")):
        assert api.post("/api/v1/shifts/", {"code": code, "info": info}, format="json").status_code == 201
    r = api.post("/api/v1/shift-campaigns/", {"name": "Overtime", "tag": "overtime",
                                              "message": "Open: XYZ1234, ABC9876. Reply with a code."},
                 format="json")
    assert r.status_code == 201 and r.json()["recipients"] == 8
    assert all(len(log_for(api, p)) == 1 for p in EMPLOYEES)

    sms_in(EMPLOYEES[0], "NOPE000")
    assert "not a valid shift code" in log_for(api, EMPLOYEES[0])[0]["body"]

    together(*[lambda p=p: sms_in(p, "xyz1234") for p in EMPLOYEES])

    shift = api.get("/api/v1/shifts/xyz1234/").json()
    assert shift["status"] == "taken" and shift["employee"] in EMPLOYEES
    answers = {p: [m["body"] for m in log_for(api, p) if "XYZ1234" in m["body"] and "Open:" not in m["body"]]
               for p in EMPLOYEES}
    assert all(len(a) == 1 for a in answers.values())
    assert sum(a[0].startswith("Confirmed") for a in answers.values()) == 1

    loser = next(p for p in EMPLOYEES if p != shift["employee"])
    sms_in(loser, "REQUEST")
    listing = log_for(api, loser)[0]["body"]
    assert "ABC9876" in listing and "XYZ1234" not in listing

    sms_in(loser, "AGENT")
    [call] = log_for(api, loser, channel="voice")
    assert call["status"] == "sent"

    for body in ("XYZ1234", "ABC9876", "REQUEST", "AGENT"):
        sms_in(STRANGER, body)
    assert api.get("/api/v1/message-log/", {"recipient": STRANGER}).json()["results"] == []
    assert api.get("/api/v1/shifts/ABC9876/").json()["status"] == "available"
