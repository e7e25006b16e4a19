"""The retry sweep with a real worker: an alert that failed while the database refused it is
acted on by the running qcluster once the database accepts again, with nobody pressing anything.

django-q2's scheduler looks at its schedules every 30 s, so this waits for real, up to 90 s.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_q.models import Schedule

from incidents.models import Alert, AlertState, Incident
from tests.support.alerts import ALERTMANAGER_FIRING
from tests.support.faults import inserts_fail
from tests.support.incidents import ANA, sms_to
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.django_db(transaction=True)]

RETRY = "incidents.tasks.alerts_retry_failed"


def test_the_running_cluster_acts_on_a_failed_alert_once_the_database_accepts_it(api, policy_factory, qcluster):
    policy = policy_factory([([ANA], 60, 0, False)])
    # A transactional test starts from flushed tables: put back the row migration 0008 made.
    Schedule.objects.update_or_create(func=RETRY, defaults={"name": "Retry alerts that failed", "minutes": 1,
                                                            "schedule_type": Schedule.MINUTES, "repeats": -1,
                                                            "next_run": timezone.now()})
    with inserts_fail("incidents_incident"):
        response = api.post(f"/api/v1/alerts/alertmanager/?policy={policy.pk}", ALERTMANAGER_FIRING,
                            format="json")
        assert response.status_code == 202
    assert Alert.objects.get().state == AlertState.FAILED and not Incident.objects.exists()

    wait_for(lambda: Alert.objects.get().state == AlertState.PROCESSED, timeout=90, interval=0.5)
    assert Alert.objects.get().incident_id == Incident.objects.get().pk
    assert len(sms_to(ANA)) == 1
