"""A shift that has started is no longer offered or bookable, and the minute sweep marks it expired."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from shifts.models import Shift, ShiftStatus
from shifts.services import shift_create, shifts_expire
from shifts.texts import campaign_message_compose
from tests.support.shifts import replies_to, sms_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def started_and_upcoming(db):
    now = timezone.now()
    return (shift_create(code="EARLY1", info="Dawn delivery", starts_at=now - timedelta(minutes=5),
                         ends_at=now + timedelta(hours=4)),
            shift_create(code="LATER1", info="Evening stock take", starts_at=now + timedelta(hours=6)),
            shift_create(code="ANYTIME", info="Flexible hours"))


def test_texting_the_code_of_a_started_shift_does_not_book_it(employees, started_and_upcoming):
    [ana] = employees(1)

    inbound = sms_in(ana, "early1")

    shift = Shift.objects.get(code="EARLY1")
    assert (shift.status, shift.booked_phone) == (ShiftStatus.EXPIRED, "")
    [reply] = replies_to(ana)
    assert "EARLY1 is no longer available" in reply and "REQUEST" in reply
    assert inbound.outcome == "shift EARLY1 is expired"


def test_request_and_campaigns_leave_out_started_shifts(employees, started_and_upcoming):
    [ana] = employees(1)
    sms_in(ana, "REQUEST")
    [listing] = replies_to(ana)
    assert "LATER1" in listing and "ANYTIME" in listing and "EARLY1" not in listing
    composed = campaign_message_compose(shifts=list(Shift.objects.all()))
    assert "LATER1" in composed and "EARLY1" not in composed


def test_the_sweep_expires_started_shifts_only(started_and_upcoming):
    early, later, anytime = started_and_upcoming
    assert shifts_expire() == 1
    statuses = dict(Shift.objects.values_list("code", "status"))
    assert statuses == {"EARLY1": "expired", "LATER1": "available", "ANYTIME": "available"}
    # Six hours on, the evening shift has started too; the undated one never expires.
    assert shifts_expire(now=timezone.now() + timedelta(hours=6, seconds=1)) == 1
    assert Shift.objects.get(code="LATER1").status == ShiftStatus.EXPIRED
    assert Shift.objects.get(code="ANYTIME").status == ShiftStatus.AVAILABLE


def test_a_taken_shift_stays_taken_when_it_starts(employees, started_and_upcoming):
    [ana] = employees(1)
    sms_in(ana, "LATER1")
    shifts_expire(now=timezone.now() + timedelta(days=1))
    assert Shift.objects.get(code="LATER1").status == ShiftStatus.TAKEN


def test_the_sweep_is_scheduled_every_minute():
    schedule = Schedule.objects.get(func="shifts.services.shifts_expire")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)


def test_the_api_shows_an_expired_shift(api, started_and_upcoming):
    shifts_expire()
    response = api.get("/api/v1/shifts/EARLY1/")
    assert response.status_code == 200 and response.json()["status"] == "expired"
