"""COVER by text, end to end through the inbound SMS path: a member hands their next turn (or a
day's turn) to the others, another member books the code, the on-call answer names the booker,
and the asker hears who took it; if nobody does before the turn starts, the asker and the
schedule's manager hear that. Nobody here is on the shifts allow-list: the schedule is the right.

Every instant is fixed: ``timezone.now`` is frozen at NOW, Monday 16 March 2026 12:30 in Los Angeles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from messaging.contacts import contact_upsert
from messaging.models import Timer
from messaging.scheduling.timers import timer_fire
from oncall.models import ScheduleOverride
from oncall.services import schedule_create
from shifts import texts
from shifts.models import CoverAsk, Shift, ShiftStatus
from tests.support.incidents import ANA, BEN, CLEO, DEV, STRANGER
from tests.support.shifts import replies_to, sms_in

pytestmark = pytest.mark.django_db
HANDOFF = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 08:00 PST
NOW = datetime(2026, 3, 16, 19, 30, tzinfo=UTC)
# Turn k goes to member k mod 3: turn 15 (Tue 17 March, 08:00 PDT = 15:00 UTC) is Ana's.
ANA_NEXT = datetime(2026, 3, 17, 15, 0, tzinfo=UTC)
ANA_LATER = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)  # turn 18, Friday


@pytest.fixture
def clock(monkeypatch):
    state = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


@pytest.fixture
def rota(clock):
    ana, _ = contact_upsert(name="Ana", phone=ANA)
    ben, _ = contact_upsert(name="Ben", phone=BEN)
    cleo, _ = contact_upsert(name="Cleo", phone=CLEO)
    dev, _ = contact_upsert(name="Dev", phone=DEV)
    schedule = schedule_create(name="East gas", time_zone="America/Los_Angeles", handoff=HANDOFF, turn_hours=24,
                               members=[ana, ben, cleo])
    schedule.manager = dev
    schedule.save()
    return schedule


def on_call(api, rota, at):
    response = api.get(f"/api/v1/schedules/{rota.pk}/on-call/", {"at": at.isoformat()})
    assert response.status_code == 200
    return response.json()


def test_cover_offers_the_next_turn_and_the_first_booker_is_on_call_for_it(api, rota):
    assert on_call(api, rota, ANA_NEXT)["phone"] == ANA
    sms_in(ANA, "cover")

    [shift] = Shift.objects.all()
    assert (shift.starts_at, shift.ends_at, shift.schedule_id) == (ANA_NEXT, datetime(2026, 3, 18, 15, tzinfo=UTC),
                                                                    rota.pk)
    [asked] = replies_to(ANA)
    assert shift.code in asked and "Tue 17 Mar 08:00 - Wed 18 Mar 08:00 PDT" in asked
    for other in (BEN, CLEO):
        [offer] = replies_to(other)
        assert offer.startswith("Ana asks for cover on call: East gas, Tue 17 Mar 08:00") and shift.code in offer
    assert replies_to(DEV) == []

    sms_in(BEN, shift.code.lower())  # Ben is on no allow-list: the offer was made to him
    assert replies_to(BEN)[-1].startswith(f"Confirmed: shift {shift.code} is yours")
    answer = on_call(api, rota, ANA_NEXT)
    assert (answer["phone"], answer["override"]) == (BEN, True)
    assert replies_to(ANA)[-1] == texts.cover_taken_text(booker=f"Ben ({BEN})",
                                                         turn="East gas, Tue 17 Mar 08:00 - Wed 18 Mar 08:00 PDT")

    sms_in(CLEO, shift.code)  # too late: one winner
    assert replies_to(CLEO)[-1].startswith(f"Sorry, this shift is already taken ({shift.code})")
    assert ScheduleOverride.objects.get().contact.phone == BEN

    # The turn starts: the timer finds it taken and tells nobody anything more.
    timer = Timer.objects.get()
    assert timer.due_at == ANA_NEXT
    # The manager heard of the booking as of any shift's.
    assert replies_to(DEV) == [f"Shift {shift.code} (On call: East gas, for Ana, Tue 17 Mar 08:00 - Wed 18 Mar "
                               f"08:00 PDT) was booked by Ben ({BEN})."]
    timer_fire(timer_id=timer.pk, now=ANA_NEXT)
    assert len(replies_to(ANA)) == 2 and len(replies_to(DEV)) == 1


def test_the_oncall_text_names_the_booker_during_the_turn(api, rota, clock):
    from messaging.contacts import allow_list_add

    sms_in(ANA, "COVER")
    sms_in(CLEO, Shift.objects.get().code)
    allow_list_add(phone=ANA, scope="shifts")
    clock["now"] = datetime(2026, 3, 17, 18, 0, tzinfo=UTC)
    sms_in(ANA, "ONCALL")
    assert f"East gas: Cleo ({CLEO})" in replies_to(ANA)[-1]


def test_cover_with_a_date_offers_that_days_turn_and_nobody_taking_it_tells_asker_and_manager(rota, clock):
    sms_in(ANA, "COVER 2026-03-20")
    shift = Shift.objects.get()
    assert shift.starts_at == ANA_LATER

    timer = Timer.objects.get()
    assert timer.due_at == ANA_LATER
    clock["now"] = ANA_LATER
    assert timer_fire(timer_id=timer.pk, now=ANA_LATER) is True
    assert replies_to(ANA)[-1] == texts.cover_unfilled_asker_text(
        turn="East gas, Fri 20 Mar 08:00 - Sat 21 Mar 08:00 PDT")
    assert replies_to(DEV) == [texts.cover_unfilled_manager_text(
        asker="Ana", turn="East gas, Fri 20 Mar 08:00 - Sat 21 Mar 08:00 PDT")]
    assert Shift.objects.get().status == ShiftStatus.EXPIRED
    assert CoverAsk.objects.get().outcome == "unfilled"
    sms_in(BEN, shift.code)  # after the start: no longer bookable, nobody is told twice
    assert not ScheduleOverride.objects.exists()
    assert len(replies_to(DEV)) == 1


def test_a_day_whose_turn_is_under_way_or_not_theirs_gets_a_clear_answer(rota):
    sms_in(CLEO, "COVER 2026-03-16")  # Cleo is on call right now
    assert replies_to(CLEO) == [texts.cover_no_turn_text(day=datetime(2026, 3, 16).date())]
    sms_in(ANA, "COVER 2026-03-18")  # Ben's day (Ana's turn ends at 08:00 that morning, so it overlaps: offered)
    sms_in(BEN, "COVER 2026-03-19")  # Cleo's day: Ben's turn ends 08:00 Thursday, so his overlaps it too
    sms_in(CLEO, "COVER 2026-04-30")  # turn 59: 59 mod 3 = 2, Cleo's
    assert Shift.objects.count() == 3


def test_asking_twice_for_the_same_turn_says_it_is_already_offered(rota):
    sms_in(ANA, "COVER")
    sms_in(ANA, "COVER")
    assert Shift.objects.count() == 1
    assert replies_to(ANA)[-1].startswith("Your turn (East gas, Tue 17 Mar 08:00")
    assert len(replies_to(BEN)) == 1  # offered once


@pytest.mark.parametrize("body", ["COVER 2026-02-30", "cover tomorrow", "COVER 17/03/2026", "COVER 2026-3-17"])
def test_a_bad_date_gets_a_clear_answer(rota, body):
    sms_in(ANA, body)
    assert replies_to(ANA) == [texts.COVER_BAD_DATE_REPLY]
    assert not Shift.objects.exists()


def test_cover_from_someone_on_no_schedule_gets_a_clear_answer(rota):
    sms_in(STRANGER, "COVER")
    sms_in(DEV, "COVER")  # a contact, and the manager, but in no rotation
    assert replies_to(STRANGER) == [texts.COVER_NOT_A_MEMBER_REPLY]
    assert replies_to(DEV) == [texts.COVER_NOT_A_MEMBER_REPLY]
    assert not Shift.objects.exists()


def test_a_stranger_cannot_book_a_turn_offered_to_the_members(rota):
    sms_in(ANA, "COVER")
    sms_in(STRANGER, Shift.objects.get().code)
    assert Shift.objects.get().status == ShiftStatus.AVAILABLE
    assert replies_to(STRANGER) == []  # ignored: no reply to a number off the allow-list


def test_the_schedule_page_asks_for_cover_beside_each_turn(admin_client, rota):
    page = admin_client.get(f"/admin/oncall/schedule/{rota.pk}/change/").content.decode()
    assert "Ask for cover" in page and ANA_NEXT.isoformat() in page
    response = admin_client.post("/admin/shifts/coverask/ask/", {"schedule": rota.pk, "contact": rota.members.get(
        contact__phone=ANA).contact_id, "start": ANA_NEXT.isoformat()})
    assert response.status_code == 302
    ask = CoverAsk.objects.get()
    assert (ask.asker.phone, ask.shift.starts_at, ask.offered_to) == (ANA, ANA_NEXT, 2)
    assert len(replies_to(BEN)) == 1
    # A turn that is not that person's, or a bad form, changes nothing.
    admin_client.post("/admin/shifts/coverask/ask/", {"schedule": rota.pk, "contact": rota.members.get(
        contact__phone=BEN).contact_id, "start": ANA_NEXT.isoformat()})
    admin_client.post("/admin/shifts/coverask/ask/", {"schedule": "x", "contact": "", "start": "soon"})
    assert CoverAsk.objects.count() == 1
