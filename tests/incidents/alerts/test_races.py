"""Alerts racing on PostgreSQL with real threads: the same key at the same instant is one incident."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from incidents.alerts.alertmanager import alertmanager_parse
from incidents.alerts.intake import alert_receive
from incidents.models import Alert, AlertGroup, AlertSource, EscalationLevel, EscalationPolicy, Incident
from messaging.models import Contact, OutboundMessage
from tests.support.alerts import ALERTMANAGER_FIRING, resolved
from tests.support.incidents import ANA
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def policy(transactional_db):
    policy = EscalationPolicy.objects.create(name="Monitoring")
    level = EscalationLevel.objects.create(policy=policy, wait_seconds=60, reminders=1)
    level.contacts.set([Contact.objects.create(name="Ana", phone=ANA)])
    return policy


def test_two_generic_alerts_with_one_key_at_once_open_one_incident_and_page_once(api_key, policy):
    def post(key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
        return client.post("/api/v1/alerts/", {"summary": "Pump 3 pressure low", "dedup_key": key,
                                                "policy": policy.pk}, format="json")

    for round_ in range(5):
        key = f"pump-3-{round_}"
        replies = together(*[lambda k=key: post(k)] * 3)
        assert sorted(r.status_code for r in replies) == [200, 200, 201]
        assert len({r.json()["incident"] for r in replies}) == 1
    assert Incident.objects.count() == 5 and AlertGroup.objects.count() == 5
    assert OutboundMessage.objects.filter(recipient=ANA).count() == 5
    assert Alert.objects.count() == 15 and not Alert.objects.filter(incident=None).exists()


def test_a_repeat_racing_the_resolution_leaves_no_open_group_on_a_resolved_incident(policy):
    def receive(body):
        return alert_receive(source=AlertSource.ALERTMANAGER, body=body, policy_id=policy.pk,
                             parsed=alertmanager_parse(body))

    for _ in range(5):
        receive(ALERTMANAGER_FIRING)
        together(lambda: receive(ALERTMANAGER_FIRING), lambda: receive(resolved(ALERTMANAGER_FIRING)))
        open_groups = AlertGroup.objects.filter(is_open=True).select_related("incident")
        # Either the repeat came first (absorbed, then resolved: nothing open) or after the
        # resolution (a new incident with its open group): never an open group on a resolved incident.
        assert all(g.incident.status != "resolved" for g in open_groups)
        if open_groups:
            receive(resolved(ALERTMANAGER_FIRING))
        assert not AlertGroup.objects.filter(is_open=True).exists()


def test_alerts_racing_into_a_storm_open_one_storm_incident_without_deadlocks(policy, settings):
    settings.ALERT_STORM_INCIDENTS = 2

    def receive(n):
        body = {**ALERTMANAGER_FIRING, "groupKey": f"host-{n}"}
        return alert_receive(source=AlertSource.ALERTMANAGER, body=body, policy_id=policy.pk,
                             parsed=alertmanager_parse(body))

    receive(1), receive(2)
    # Six new groups and a repeat of each at once: every one must land, in one storm incident.
    together(*[lambda n=n: receive(n) for n in range(3, 9)], *[lambda n=n: receive(n) for n in range(3, 9)])
    assert Incident.objects.count() == 3
    storm = Incident.objects.latest("id")
    assert storm.description.startswith("Alert storm")
    assert AlertGroup.objects.filter(incident=storm).count() == 6
    assert OutboundMessage.objects.filter(recipient=ANA).count() == 3
    assert Alert.objects.count() == 14 and not Alert.objects.filter(incident=None).exists()
