"""The on-call API as the contract gives it: schedules, who is on call, overrides, policies, and
bad input refused whole with the field named."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import EscalationLevel, EscalationPolicy
from messaging.models import Contact
from oncall.models import Schedule, ScheduleMember, ScheduleOverride
from shifts.models import Shift
from tests.support.incidents import ANA, BEN, CLEO, DEV
from tests.support.oncall import next_year

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def first_handoff() -> datetime:
    """08:00 on 1 December next year: London is on UTC then, so local and UTC agree."""
    return datetime(next_year(), 12, 1, 8, tzinfo=UTC)


def create(api, **body):
    payload = {"name": "East gas", "time_zone": "Europe/London", "handoff": first_handoff().isoformat(),
               "turn_hours": 24, "members": [ANA, BEN, CLEO], **body}
    return api.post("/api/v1/schedules/", payload, format="json")


def oncall(api, schedule_id, at: datetime | None = None):
    params = {"at": at.isoformat()} if at else {}
    response = api.get(f"/api/v1/schedules/{schedule_id}/on-call/", params)
    assert response.status_code == 200, response.content
    return response.json()


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_create_a_schedule_ask_at_several_instants_add_an_override_and_ask_again(api):
    response = create(api)
    assert response.status_code == 201, response.content
    body = response.json()
    schedule_id = body["id"]
    assert {k: body[k] for k in ("name", "time_zone", "turn_hours", "members")} == {
        "name": "East gas", "time_zone": "Europe/London", "turn_hours": 24, "members": [ANA, BEN, CLEO]}
    assert instant(body["handoff"]) == first_handoff()
    assert Contact.objects.get(phone=BEN).name == BEN  # unknown phones become contacts named by number

    t0 = first_handoff()
    before = oncall(api, schedule_id, t0 - H)
    assert (before["phone"], before["name"], before["override"]) == (None, None, False)
    assert instant(before["until"]) == t0
    for day, phone in enumerate([ANA, BEN, CLEO, ANA]):
        answer = oncall(api, schedule_id, t0 + day * 24 * H + 5 * H)
        assert (answer["phone"], answer["override"]) == (phone, False)
        assert instant(answer["until"]) == t0 + (day + 1) * 24 * H
        assert instant(answer["at"]) == t0 + day * 24 * H + 5 * H

    start, end = t0 + 30 * H, t0 + 34 * H  # inside Ben's turn
    response = api.post(f"/api/v1/schedules/{schedule_id}/overrides/",
                        {"phone": DEV, "start": start.isoformat(), "end": end.isoformat()}, format="json")
    assert response.status_code == 201, response.content
    override = response.json()
    assert override["phone"] == DEV and instant(override["start"]) == start and instant(override["end"]) == end
    assert isinstance(override["id"], int)

    assert oncall(api, schedule_id, start - timedelta(seconds=1))["phone"] == BEN
    assert instant(oncall(api, schedule_id, start - timedelta(seconds=1))["until"]) == start
    during = oncall(api, schedule_id, start)
    assert (during["phone"], during["override"], instant(during["until"])) == (DEV, True, end)
    after = oncall(api, schedule_id, end)
    assert (after["phone"], after["override"], instant(after["until"])) == (BEN, False, t0 + 48 * H)


def test_on_call_defaults_to_now_and_reads_utc_z_instants(api):
    now = timezone.now()
    schedule_id = create(api, handoff=(now - H).isoformat(), members=[ANA, BEN]).json()["id"]
    answer = oncall(api, schedule_id)
    assert answer["phone"] == ANA
    assert abs(instant(answer["at"]) - now) < timedelta(minutes=1)
    # the next handoff is at the same time on London's clock tomorrow: 23 or 25 hours away when
    # the clocks change tonight (wall-clock arithmetic on a zoned datetime)
    assert instant(answer["until"]) == (now - H).astimezone(zoneinfo.ZoneInfo("Europe/London")) + 24 * H
    at = (now + 25 * H).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api.get(f"/api/v1/schedules/{schedule_id}/on-call/?at={at}").json()["phone"] == BEN


def test_a_time_of_day_handoff_means_today_at_that_time_on_the_local_clock(api):
    body = create(api, handoff="08:00", time_zone="America/New_York").json()
    local = instant(body["handoff"])
    assert (local.hour, local.minute) == (8, 0)
    assert local.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))


def test_a_schedule_with_no_members_answers_nobody(api):
    schedule_id = create(api, members=[]).json()["id"]
    answer = oncall(api, schedule_id, first_handoff() + H)
    assert (answer["phone"], answer["until"]) == (None, None)


def test_bearer_auth_works_and_no_key_is_refused(api_key, db):
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    response = create(bearer)
    assert response.status_code == 201
    assert oncall(bearer, response.json()["id"], first_handoff() + H)["phone"] == ANA
    anonymous = APIClient()
    assert create(anonymous, name="Other").status_code in (401, 403)
    assert anonymous.get(f"/api/v1/schedules/{response.json()['id']}/on-call/").status_code in (401, 403)
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer pk_not-a-key")
    assert create(wrong, name="Other").status_code in (401, 403)
    assert Schedule.objects.count() == 1


@pytest.mark.parametrize("body,field", [
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"time_zone": "../../etc/passwd"}, "time_zone"),
    ({"turn_hours": 0}, "turn_hours"),
    ({"turn_hours": -24}, "turn_hours"),
    ({"turn_hours": "often"}, "turn_hours"),
    ({"handoff": "next tuesday"}, "handoff"),
    ({"handoff": "25:00"}, "handoff"),
    ({"members": ["0612345678"]}, "members"),
    ({"name": ""}, "name"),
])
def test_a_bad_schedule_is_a_400_naming_the_field_and_creates_nothing(api, body, field):
    response = create(api, **body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Schedule.objects.exists() and not ScheduleMember.objects.exists()
    assert not Contact.objects.exists()


def test_a_taken_name_is_a_400(api):
    assert create(api).status_code == 201
    response = create(api)
    assert response.status_code == 400 and "name" in response.json()
    assert Schedule.objects.count() == 1


def test_an_override_that_ends_before_or_when_it_starts_is_a_400(api):
    schedule_id = create(api).json()["id"]
    start = first_handoff() + 5 * H
    for end in (start - H, start):
        response = api.post(f"/api/v1/schedules/{schedule_id}/overrides/",
                            {"phone": DEV, "start": start.isoformat(), "end": end.isoformat()}, format="json")
        assert response.status_code == 400
        assert "end" in response.json()
    response = api.post(f"/api/v1/schedules/{schedule_id}/overrides/", {"phone": "not a phone",
                        "start": "soon", "end": start.isoformat()}, format="json")
    assert response.status_code == 400 and {"phone", "start"} <= set(response.json())
    assert not ScheduleOverride.objects.exists()
    assert not Contact.objects.filter(phone=DEV).exists()


def test_an_unknown_schedule_in_the_url_is_a_404(api):
    missing = (Schedule.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    assert api.get(f"/api/v1/schedules/{missing}/on-call/").status_code == 404
    assert api.get(f"/api/v1/schedules/{missing}/").status_code == 404
    response = api.post(f"/api/v1/schedules/{missing}/overrides/", {
        "phone": DEV, "start": first_handoff().isoformat(), "end": (first_handoff() + H).isoformat()},
        format="json")
    assert response.status_code == 404
    assert not ScheduleOverride.objects.exists() and not Contact.objects.exists()


def test_a_bad_at_is_a_400(api):
    schedule_id = create(api).json()["id"]
    response = api.get(f"/api/v1/schedules/{schedule_id}/on-call/", {"at": "yesterday-ish"})
    assert response.status_code == 400 and "at" in response.json()


class TestPolicies:
    def test_a_policy_with_a_schedule_level_and_a_contacts_level(self, api):
        schedule_id = create(api).json()["id"]
        response = api.post("/api/v1/policies/", {"name": "Gas out of hours", "repeat": 1, "levels": [
            {"schedule": schedule_id, "wait_seconds": 60, "reminders": 1},
            {"contacts": [DEV], "schedule": schedule_id, "wait_seconds": 30, "reminders": 0}]}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["name"] == "Gas out of hours" and isinstance(body["id"], int)
        assert [(lv["schedule"], lv["contacts"], lv["wait_seconds"], lv["reminders"]) for lv in body["levels"]] == [
            (schedule_id, [], 60, 1), (schedule_id, [DEV], 30, 0)]
        assert api.get(f"/api/v1/policies/{body['id']}/").json()["levels"] == body["levels"]

    @pytest.mark.parametrize("level", [
        {"wait_seconds": 60, "reminders": 1},
        {"contacts": [], "wait_seconds": 60, "reminders": 1},
        {"contacts": [], "schedule": None, "wait_seconds": 60, "reminders": 1},
    ])
    def test_a_level_with_neither_contacts_nor_a_schedule_is_a_400(self, api, level):
        response = api.post("/api/v1/policies/", {"name": "Nobody", "levels": [
            {"contacts": [ANA], "wait_seconds": 60, "reminders": 1}, level]}, format="json")
        assert response.status_code == 400
        assert "levels" in response.json()
        assert "contacts, a schedule, or both" in str(response.json()["levels"])
        assert not EscalationPolicy.objects.exists() and not EscalationLevel.objects.exists()
        assert not Contact.objects.exists()

    def test_an_unknown_schedule_in_a_level_is_a_400(self, api):
        response = api.post("/api/v1/policies/", {"name": "Ghost rota", "levels": [
            {"contacts": [ANA], "wait_seconds": 60, "reminders": 1},
            {"schedule": 987654, "wait_seconds": 60, "reminders": 1}]}, format="json")
        assert response.status_code == 400
        assert "schedule" in str(response.json()["levels"])
        assert not EscalationPolicy.objects.exists() and not Contact.objects.exists()

    @pytest.mark.parametrize("body,field", [
        ({"levels": []}, "levels"),
        ({"repeat": -1}, "repeat"),
        ({"name": ""}, "name"),
    ])
    def test_other_bad_policies_are_400s(self, api, body, field):
        payload = {"name": "P", "levels": [{"contacts": [ANA], "wait_seconds": 60, "reminders": 1}], **body}
        response = api.post("/api/v1/policies/", payload, format="json")
        assert response.status_code == 400 and field in response.json()
        assert not EscalationPolicy.objects.exists()


class TestOnCallShifts:
    def test_an_on_call_shift_carries_its_schedule(self, api):
        schedule_id = create(api).json()["id"]
        start = first_handoff() + 2 * H
        response = api.post("/api/v1/shifts/", {"code": "OC1", "info": "Cover East gas", "schedule": schedule_id,
                                                "starts_at": start.isoformat(),
                                                "ends_at": (start + 8 * H).isoformat()}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["schedule"] == schedule_id
        assert Shift.objects.get(code="OC1").schedule_id == schedule_id

    def test_an_unknown_schedule_on_a_shift_is_a_400(self, api):
        start = first_handoff()
        response = api.post("/api/v1/shifts/", {"code": "OC2", "info": "Cover", "schedule": 987654,
                                                "starts_at": start.isoformat(),
                                                "ends_at": (start + H).isoformat()}, format="json")
        assert response.status_code == 400 and "schedule" in response.json()
        assert not Shift.objects.exists()

    @pytest.mark.parametrize("missing", [("starts_at",), ("ends_at",), ("starts_at", "ends_at")])
    def test_a_shift_with_a_schedule_but_no_start_or_end_is_a_400(self, api, missing):
        schedule_id = create(api).json()["id"]
        start = first_handoff()
        body = {"code": "OC3", "info": "Cover", "schedule": schedule_id, "starts_at": start.isoformat(),
                "ends_at": (start + H).isoformat()}
        for field in missing:
            del body[field]
        response = api.post("/api/v1/shifts/", body, format="json")
        assert response.status_code == 400
        assert set(missing) <= set(response.json())
        assert not Shift.objects.exists()


def test_an_offset_typed_into_the_url_by_hand_still_reads_as_an_offset(api):
    schedule_id = create(api).json()["id"]
    # "+01:00" unencoded in a query string arrives as " 01:00"; 09:30+01:00 is 08:30 UTC, Ana's turn.
    local = first_handoff() + timedelta(minutes=30)
    typed = local.astimezone(timezone.get_fixed_timezone(60)).isoformat()
    answer = api.get(f"/api/v1/schedules/{schedule_id}/on-call/?at={typed}").json()
    assert answer["phone"] == ANA
    assert instant(answer["at"]) == local


class TestARefusalLeavesNoContactsBehind:
    """Unknown phones become contacts only once what names them is accepted, in one transaction."""

    STRANGERS = ["+12065550181", "+12065550182"]

    def test_a_policy_refused_for_a_taken_name(self, api):
        EscalationPolicy.objects.create(name="Gas")
        response = api.post("/api/v1/policies/", {"name": "Gas", "levels": [
            {"contacts": self.STRANGERS, "wait_seconds": 60, "reminders": 0}]}, format="json")
        assert response.status_code == 400 and "name" in response.json()
        assert not Contact.objects.filter(phone__in=self.STRANGERS).exists()

    def test_a_schedule_refused_for_a_taken_name(self, api):
        assert create(api).status_code == 201
        response = create(api, members=self.STRANGERS)
        assert response.status_code == 400 and "name" in response.json()
        assert not Contact.objects.filter(phone__in=self.STRANGERS).exists()

    def test_an_accepted_policy_and_schedule_make_their_contacts(self, api):
        assert create(api, members=self.STRANGERS[:1]).status_code == 201
        assert api.post("/api/v1/policies/", {"name": "Gas", "levels": [
            {"contacts": self.STRANGERS[1:], "wait_seconds": 60, "reminders": 0}]}, format="json").status_code == 201
        assert set(Contact.objects.filter(phone__in=self.STRANGERS).values_list("name", flat=True)) == set(
            self.STRANGERS)


def test_an_override_refused_by_the_service_leaves_no_contact_behind(db):
    from django.core.exceptions import ValidationError

    from oncall.services import override_add, schedule_create

    schedule = schedule_create(name="Rota", handoff=first_handoff(), turn_hours=24)
    start = timezone.now()
    with pytest.raises(ValidationError):
        override_add(schedule=schedule, phone="+12065550183", start=start, end=start - H)
    assert not Contact.objects.filter(phone="+12065550183").exists()
