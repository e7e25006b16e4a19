"""The self-test end to end on a real worker, as `make run` runs it: django-q2's minute schedule
sends the test SMS, the simulated number echoes it through the SNS pipeline, the run is a success."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from messaging.models import InboundSms, SelfTestRun, SelfTestState
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]
NUMBER = "+15550100199"


def test_the_schedule_sends_the_test_and_the_simulated_echo_comes_back(qcluster_factory, settings):
    # The migration's row (a transactional test empties tables, so it is made here as it makes it).
    Schedule.objects.get_or_create(func="messaging.tasks.self_test_tick",
                                   defaults={"name": "Pager self-test", "schedule_type": "I", "minutes": 1,
                                             "repeats": -1})
    qcluster_factory(1, SELF_TEST_NUMBER=NUMBER, SELF_TEST_MINUTES=5, SELF_TEST_TIMEOUT_SECONDS=60,
                     SMS_TRANSPORT="simulator")
    wait_for(lambda: SelfTestRun.objects.filter(state=SelfTestState.OK).exists(), timeout=90, interval=0.5)
    run = SelfTestRun.objects.get()
    assert run.number == NUMBER and 0 <= run.round_trip_seconds < 10
    echo = InboundSms.objects.get(origination_number=NUMBER)
    assert run.nonce in echo.body and echo.handled_by.endswith("self_test_handler")
