"""ONCALL by SMS: who is on call now on the sender's schedules, for allow-listed numbers only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.contacts import allow_list_add, contact_upsert
from oncall.services import override_add, schedule_create
from oncall.texts import NOT_ON_A_SCHEDULE_REPLY
from tests.support.incidents import ANA, BEN, CLEO, STRANGER
from tests.support.shifts import replies_to, sms_in

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
HANDLER = "oncall.inbound.oncall_command_handler"


@pytest.fixture
def rota(db):
    ana, _ = contact_upsert(name="Ana", phone=ANA)
    ben, _ = contact_upsert(name="Ben", phone=BEN)
    for phone in (ANA, BEN, CLEO):
        allow_list_add(phone=phone, scope="shifts")
    return schedule_create(name="East gas", handoff=timezone.now() - H, turn_hours=24, members=[ana, ben])


@pytest.mark.parametrize("body", ["ONCALL", "oncall", " On Call "])
def test_a_member_gets_who_is_on_call_now(rota, body):
    inbound = sms_in(BEN, body)
    assert inbound.handled_by == HANDLER
    [answer] = replies_to(BEN)
    assert answer.startswith("On call now: East gas: Ana (+12065550101) until ")
    until = (rota.handoff + 24 * H).strftime("%H:%M")
    assert until in answer


def test_an_override_is_who_the_answer_names(rota):
    now = timezone.now()
    cleo, _ = contact_upsert(name="Cleo", phone=CLEO)
    override_add(schedule=rota, contact=cleo, start=now - H, end=now + 2 * H)
    sms_in(CLEO, "ONCALL")  # on the schedule by holding an override
    [answer] = replies_to(CLEO)
    assert "East gas: Cleo (+12065550103)" in answer


def test_each_schedule_the_sender_belongs_to_is_answered(rota):
    ben, _ = contact_upsert(name="Ben", phone=BEN)
    schedule_create(name="West water", handoff=timezone.now() + 5 * H, turn_hours=12, members=[ben])
    sms_in(BEN, "ONCALL")
    [answer] = replies_to(BEN)
    assert "East gas: Ana" in answer and "West water: nobody on call until" in answer


def test_a_number_not_on_the_allow_list_is_ignored(rota):
    contact_upsert(name="Stranger", phone=STRANGER)
    inbound = sms_in(STRANGER, "ONCALL")
    assert replies_to(STRANGER) == []
    assert "ignored" in inbound.outcome


def test_an_allow_listed_number_on_no_schedule_is_told_so(rota):
    inbound = sms_in(CLEO, "ONCALL")
    assert replies_to(CLEO) == [NOT_ON_A_SCHEDULE_REPLY]
    assert inbound.handled_by == HANDLER
