"""On-call cover booked by text: booking a shift that belongs to a schedule makes the booker on
call for exactly its hours (as the API's on-call answer shows), and releasing it undoes that."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from messaging.contacts import contact_upsert
from oncall.models import ScheduleOverride
from oncall.services import schedule_create
from shifts.models import Shift, ShiftStatus
from shifts.services import shift_release
from tests.support.shifts import replies_to, sms_in

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
ROTA = "+12065550150"


@pytest.fixture
def rota(db):
    """East gas: one rotation member on call all day, every day, from an hour ago."""
    member, _ = contact_upsert(name="Rota Ray", phone=ROTA)
    return schedule_create(name="East gas", time_zone="Europe/London", handoff=timezone.now() - H, turn_hours=24,
                           members=[member])


@pytest.fixture
def cover_shift(api, rota):
    """An on-call shift tomorrow, posted through the API as a manager would."""
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = api.post("/api/v1/shifts/", {"code": "OC1", "info": "East gas night cover", "schedule": rota.pk,
                                            "starts_at": start.isoformat(),
                                            "ends_at": (start + 8 * H).isoformat()}, format="json")
    assert response.status_code == 201, response.content
    return Shift.objects.get(code="OC1")


def oncall_phone(api, rota, at: datetime):
    response = api.get(f"/api/v1/schedules/{rota.pk}/on-call/", {"at": at.isoformat()})
    assert response.status_code == 200
    return response.json()


def test_booking_an_on_call_shift_by_sms_makes_the_booker_on_call_for_its_hours(api, employees, rota,
                                                                                 cover_shift):
    [ana] = employees(1)
    start, end = cover_shift.starts_at, cover_shift.ends_at
    assert oncall_phone(api, rota, start)["phone"] == ROTA

    sms_in(ana, "oc1")

    assert Shift.objects.get(code="OC1").status == ShiftStatus.TAKEN
    assert replies_to(ana)[0].startswith("Confirmed")
    before = oncall_phone(api, rota, start - timedelta(seconds=1))
    assert before["phone"] == ROTA and datetime.fromisoformat(before["until"]) == start
    for at in (start, start + 4 * H, end - timedelta(seconds=1)):
        answer = oncall_phone(api, rota, at)
        assert (answer["phone"], answer["override"]) == (ana, True), at
        assert datetime.fromisoformat(answer["until"]) == end
    assert oncall_phone(api, rota, end)["phone"] == ROTA


def test_releasing_the_booking_removes_the_cover(api, employees, rota, cover_shift):
    [ana] = employees(1)
    sms_in(ana, "OC1")
    assert oncall_phone(api, rota, cover_shift.starts_at)["phone"] == ana

    assert shift_release(shift=Shift.objects.get(code="OC1")) is True

    assert oncall_phone(api, rota, cover_shift.starts_at)["phone"] == ROTA
    assert not ScheduleOverride.objects.exists()
    assert Shift.objects.get(code="OC1").cover is None


def test_the_next_booker_after_a_release_gets_the_cover(api, employees, rota, cover_shift):
    ana, ben = employees(2)
    sms_in(ana, "OC1")
    shift_release(shift=Shift.objects.get(code="OC1"))
    sms_in(ben, "OC1")
    assert oncall_phone(api, rota, cover_shift.starts_at)["phone"] == ben
    assert ScheduleOverride.objects.count() == 1


def test_losing_the_race_makes_no_cover(api, employees, rota, cover_shift):
    ana, ben = employees(2)
    sms_in(ana, "OC1")
    sms_in(ben, "OC1")
    assert "already taken" in replies_to(ben)[0]
    assert oncall_phone(api, rota, cover_shift.starts_at)["phone"] == ana
    assert ScheduleOverride.objects.count() == 1


def test_a_shift_without_a_schedule_makes_no_cover(api, employees, rota):
    [ana] = employees(1)
    start = timezone.now() + timedelta(days=1)
    api.post("/api/v1/shifts/", {"code": "PLAIN1", "info": "Warehouse", "starts_at": start.isoformat(),
                                 "ends_at": (start + H).isoformat()}, format="json")
    sms_in(ana, "PLAIN1")
    assert Shift.objects.get(code="PLAIN1").status == ShiftStatus.TAKEN
    assert not ScheduleOverride.objects.exists()


@pytest.mark.parametrize("drop", ["starts_at", "ends_at"])
def test_a_shift_with_a_schedule_but_no_start_or_end_is_a_400(api, rota, drop):
    start = timezone.now() + timedelta(days=1)
    body = {"code": "OC9", "info": "Cover", "schedule": rota.pk, "starts_at": start.isoformat(),
            "ends_at": (start + H).isoformat()}
    del body[drop]
    response = api.post("/api/v1/shifts/", body, format="json")
    assert response.status_code == 400 and drop in response.json()
    assert not Shift.objects.exists()
