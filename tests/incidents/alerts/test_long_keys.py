"""Keys, labels and annotations of any length Alertmanager sends are stored whole and deduplicate.

A real Kubernetes route's groupKey is 552 characters; a column of 500 refused it on every retry
and nobody was paged. SQLite ignores column lengths, so only the PostgreSQL run proves the
limit; the contract promises the same on both, so these are not marked ``postgres`` and the
SQLite run (``-m "not postgres"``) runs them as well.
"""

from __future__ import annotations

import copy

import pytest

from incidents.models import Alert, AlertGroup, Incident, IncidentStatus
from tests.support.alerts import ALERTMANAGER_FIRING, resolved
from tests.support.incidents import ANA, sms_to

pytestmark = pytest.mark.django_db

AM = "/api/v1/alerts/alertmanager/"
# The shape of a real Kubernetes route's key: nested matchers, then the group's labels.
K8S_KEY = ('{}/{cluster=~"^(?:prod-eu-west-1|prod-us-east-1)$",namespace!~"^(?:kube-system|monitoring)$"}'
           '/{severity="critical"}:{alertname="KubePodCrashLooping", container="payments-api", '
           'namespace="payments", pod="payments-api-7d9c6b5f4-x2k8q"}')


def _key(length: int) -> str:
    return (K8S_KEY * (length // len(K8S_KEY) + 1))[:length]


def _body(key: str, **label_overrides) -> dict:
    body = copy.deepcopy(ALERTMANAGER_FIRING)
    body["groupKey"] = key
    body["alerts"][0]["labels"].update(label_overrides)
    body["commonLabels"].update(label_overrides)
    return body


@pytest.fixture
def policy(policy_factory):
    return policy_factory([([ANA], 60, 2, False)])


@pytest.mark.parametrize("length", [552, 10_000])
def test_a_long_group_key_opens_pages_deduplicates_and_resolves(api, policy, length):
    key = _key(length)
    first = api.post(f"{AM}?policy={policy.pk}", _body(key), format="json")
    assert first.status_code == 201, first.content
    again = api.post(f"{AM}?policy={policy.pk}", _body(key), format="json")
    assert again.status_code == 200 and again.json()["incident"] == first.json()["incident"]
    assert len(sms_to(ANA)) == 1
    assert AlertGroup.objects.get().dedup_key == key
    assert set(Alert.objects.values_list("dedup_key", flat=True)) == {key}
    done = api.post(f"{AM}?policy={policy.pk}", resolved(_body(key)), format="json")
    assert done.json() == {"incident": first.json()["incident"], "created": False, "resolved": True}
    assert Incident.objects.get().status == IncidentStatus.RESOLVED


def test_two_long_keys_that_share_their_first_thousand_characters_are_two_problems(api, policy):
    common = _key(5_000)
    a = api.post(f"{AM}?policy={policy.pk}", _body(common + "a"), format="json")
    b = api.post(f"{AM}?policy={policy.pk}", _body(common + "b"), format="json")
    assert (a.status_code, b.status_code) == (201, 201)
    assert Incident.objects.count() == 2


def test_labels_and_annotations_of_ten_thousand_characters_are_stored_whole(api, policy):
    long = "x" * 10_000
    body = _body(_key(600), pod=long)
    body["alerts"][0]["annotations"]["description"] = long
    body["commonAnnotations"]["runbook"] = long
    body["alerts"][0]["generatorURL"] = "https://prometheus.example.org/graph?g0.expr=" + long
    response = api.post(f"{AM}?policy={policy.pk}", body, format="json")
    assert response.status_code == 201, response.content
    stored = Alert.objects.get().body
    assert stored["alerts"][0]["labels"]["pod"] == long
    assert stored["alerts"][0]["annotations"]["description"] == long
    assert stored["alerts"][0]["generatorURL"] == body["alerts"][0]["generatorURL"]
    # Too long for the incident's link: the next link that fits, not a cut (broken) one.
    assert Incident.objects.get().url == body["externalURL"]


def test_a_generic_alert_with_a_ten_thousand_character_key_deduplicates(api, policy):
    alert = {"summary": "Pump 3 pressure low", "dedup_key": _key(10_000), "policy": policy.pk}
    first = api.post("/api/v1/alerts/", alert, format="json")
    assert first.status_code == 201, first.content
    again = api.post("/api/v1/alerts/", alert, format="json")
    assert again.status_code == 200 and again.json()["incident"] == first.json()["incident"]
    assert len(sms_to(ANA)) == 1
