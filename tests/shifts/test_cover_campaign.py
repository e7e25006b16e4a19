"""A manager fills the gaps of an on-call schedule: its uncovered hours become bookable shifts,
and whoever books one by text is on call for those hours."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from messaging.contacts import contact_get_or_create
from messaging.models import Tag
from oncall.models import Schedule
from oncall.selectors import oncall_at
from oncall.services import override_add, schedule_create
from portal.roles import SHIFT_MANAGER
from shifts.cover_campaign import cover_campaign_create, cover_shifts_post
from shifts.models import Shift, ShiftStatus
from tests.support.shifts import replies_to, sms_in

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("Europe/Berlin")


def _cover_rota(now: datetime) -> Schedule:
    """No rotation, daily 08:00 turns: every hour is uncovered until someone books it."""
    today = now.astimezone(ZONE).date()
    return schedule_create(name="Weekend cover", time_zone="Europe/Berlin", turn_hours=24,
                           handoff=datetime.combine(today - timedelta(days=1), time(8), tzinfo=ZONE))


def test_each_uncovered_turn_of_the_next_days_becomes_one_on_call_shift():
    # Noon today, local: the count of slots does not depend on the hour the test runs.
    now = datetime.combine(timezone.now().astimezone(ZONE).date(), time(12), tzinfo=ZONE)
    schedule = _cover_rota(now)
    tomorrow = now.astimezone(ZONE).date() + timedelta(days=1)
    covered = datetime.combine(tomorrow, time(8), tzinfo=ZONE)
    override_add(schedule=schedule, contact=contact_get_or_create(phone="+4915112345670"), start=covered,
                 end=covered + timedelta(days=1))

    shifts = cover_shifts_post(schedule=schedule, days=3, now=now)

    starts = [s.starts_at for s in shifts]
    assert covered not in starts  # already someone's
    assert all(s.schedule_id == schedule.pk and s.status == ShiftStatus.AVAILABLE for s in shifts)
    assert all(s.ends_at - s.starts_at <= timedelta(hours=25) for s in shifts)
    # Noon to noon three days on: the rest of today's turn has started (it cannot be booked any
    # more); then the turn after tomorrow's covered one, and the morning of the third day.
    assert [(s.starts_at.astimezone(ZONE).hour, s.ends_at.astimezone(ZONE).hour) for s in shifts] == [
        (8, 8), (8, 12)]
    assert cover_shifts_post(schedule=schedule, days=3, now=now) == shifts  # posting again reuses them


def test_booking_a_posted_slot_by_text_makes_the_booker_on_call_for_it(employees):
    now = timezone.now()
    schedule = _cover_rota(now)
    [phone] = employees(1)
    campaign = cover_campaign_create(schedule=schedule, days=2, tag=Tag.objects.get(name="overtime"), now=now)
    slot = campaign.shifts.order_by("starts_at").last()
    assert slot.code in campaign.message

    sms_in(phone, slot.code.lower())

    assert Shift.objects.get(pk=slot.pk).status == ShiftStatus.TAKEN
    answer = oncall_at(schedule=schedule, at=slot.starts_at + timedelta(minutes=1))
    assert answer.person.phone == phone and answer.override and answer.until == slot.ends_at
    assert "booked" in replies_to(phone)[-1].lower() or slot.code in replies_to(phone)[-1]


def test_nothing_uncovered_makes_no_campaign():
    now = timezone.now()
    schedule = _cover_rota(now)
    override_add(schedule=schedule, contact=contact_get_or_create(phone="+4915112345671"),
                 start=now - timedelta(hours=1), end=now + timedelta(days=5))
    tag = Tag.objects.create(name="cover")
    assert cover_campaign_create(schedule=schedule, days=3, tag=tag, now=now) is None


def test_the_composer_page_lists_the_slots_and_creates_a_draft(client, django_user_model, employees):
    from django.contrib.auth.models import Group

    employees(2)
    schedule = _cover_rota(timezone.now())
    user = django_user_model.objects.create_user("sam", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=SHIFT_MANAGER))
    client.force_login(user)
    shown = client.get("/admin/shifts/shiftcampaign/cover/", {"schedule": schedule.pk, "days": 2})
    assert shown.status_code == 200 and b"uncovered slot" in shown.content
    tag = Tag.objects.get(name="overtime")
    made = client.post("/admin/shifts/shiftcampaign/cover/", {"schedule": schedule.pk, "days": 2, "tag": tag.pk})
    assert made.status_code == 302 and "/send/" in made["Location"]
    assert Shift.objects.filter(schedule=schedule).count() >= 2


def test_deleting_a_booked_on_call_shift_takes_its_cover_away(employees):
    now = timezone.now()
    schedule = _cover_rota(now)
    [phone] = employees(1)
    [slot, *_] = cover_shifts_post(schedule=schedule, days=2, now=now)
    sms_in(phone, slot.code)
    during = slot.starts_at + (slot.ends_at - slot.starts_at) / 2
    assert oncall_at(schedule=schedule, at=during).person.phone == phone

    Shift.objects.filter(pk=slot.pk).delete()

    assert oncall_at(schedule=schedule, at=during).person is None
