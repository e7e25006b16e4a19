"""Eight employees claim one shift at the same instant: exactly one wins, everyone hears once."""

import pytest

from messaging.models import InboundSms, OutboundMessage
from shifts.models import Shift, ShiftStatus
from shifts.services import shift_create
from tests.support.shifts import sms_in
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_claims_leave_exactly_one_winner(employees, round_):
    phones = employees(8)
    shift_create(code="XYZ1234", info="Warehouse picker")
    shift_create(code="ABC9876", info="Forklift driver")

    together(*[lambda p=p: sms_in(p, "xyz1234") for p in phones])

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
    together(*[lambda i=i: sms_in(phones[i], f"s{i}00") for i in range(6)])
    assert sorted(Shift.objects.values_list("booked_phone", flat=True)) == sorted(phones)
