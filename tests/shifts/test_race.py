"""Eight employees claim one shift at the same instant: exactly one wins, everyone hears once."""

import threading

import pytest
from django.db import connection

from messaging.models import InboundSms, OutboundMessage
from shifts.models import Shift, ShiftStatus
from shifts.services import shift_create
from tests.shifts.conftest import sms_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _claim_all_at_once(phones: list[str], body: str) -> list[BaseException]:
    barrier = threading.Barrier(len(phones))
    errors: list[BaseException] = []

    def claim(phone: str):
        try:
            barrier.wait(timeout=10)
            sms_in(phone, body)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_claims_leave_exactly_one_winner(employees, round_):
    phones = employees(8)
    shift_create(code="XYZ1234", info="Warehouse picker")
    shift_create(code="ABC9876", info="Forklift driver")

    errors = _claim_all_at_once(phones, "xyz1234")

    assert errors == []
    shift = Shift.objects.get(code="XYZ1234")
    assert shift.status == ShiftStatus.TAKEN and shift.booked_phone in phones
    for phone in phones:
        [reply] = OutboundMessage.objects.filter(recipient=phone, channel="sms").values_list("body", flat=True)
        if phone == shift.booked_phone:
            assert reply.startswith("Confirmed: shift XYZ1234")
        else:
            assert "this shift is already taken" in reply and "ABC9876" in reply
    outcomes = sorted(InboundSms.objects.values_list("outcome", flat=True))
    assert outcomes.count("booked shift XYZ1234") == 1
    assert sum("already taken" in o for o in outcomes) == 7


def test_simultaneous_claims_on_different_shifts_all_succeed(employees):
    phones = employees(6)
    for i in range(6):
        shift_create(code=f"S{i}00", info=f"Shift {i}")
    barrier = threading.Barrier(6)

    def claim(i: int):
        try:
            barrier.wait(timeout=10)
            sms_in(phones[i], f"s{i}00")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(Shift.objects.values_list("booked_phone", flat=True)) == sorted(phones)
