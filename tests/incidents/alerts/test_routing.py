"""Routing by labels: Alertmanager's matchers, routes in order, the default, the test button."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from incidents.alerts.routing import matchers_parse
from incidents.models import AlertIntegration, AlertRoute, Incident
from portal.roles import DISPATCHER
from tests.support.alerts import ALERTMANAGER_FIRING
from tests.support.incidents import ANA, BEN, CLEO, sms_to


def labels_match(text, labels):
    return all(m.matches(labels) for m in matchers_parse(text))


@pytest.mark.parametrize("text,labels,expected", [
    ("severity=critical", {"severity": "critical"}, True),
    ("severity=critical", {"severity": "warning"}, False),
    ("team=~east|west", {"team": "west"}, True),
    ("team=~east|west", {"team": "westward"}, False),  # anchored, as in Alertmanager
    ("team!~east|west", {"team": "north"}, True),
    ("env!=test", {}, True),
    ("env=", {}, True),  # a missing label is the empty string
    ('severity="critical", team=~east|west', {"severity": "critical", "team": "east"}, True),
    ("severity=critical, team=~east|west", {"severity": "critical", "team": "north"}, False),
])
def test_matchers_read_like_alertmanagers(text, labels, expected):
    assert labels_match(text, labels) is expected


@pytest.mark.parametrize("text", ["", "severity", "=critical", "team=~(east", "a b=c"])
def test_bad_matchers_are_refused_with_a_reason(text):
    with pytest.raises(ValueError):
        matchers_parse(text)


@pytest.fixture
def integration(db, policy_factory):
    east = policy_factory([([ANA], 60, 0, False)], name="East")
    critical = policy_factory([([BEN], 60, 0, False)], name="Critical")
    default = policy_factory([([CLEO], 60, 0, False)], name="Default")
    integration = AlertIntegration.objects.create(name="Prometheus", default_policy=default)
    AlertRoute.objects.create(integration=integration, position=2, matchers="severity=critical", policy=critical)
    AlertRoute.objects.create(integration=integration, position=1, matchers="team=~east|west", policy=east)
    return integration


def post(api, integration, **common_labels):
    body = {**ALERTMANAGER_FIRING, "commonLabels": common_labels,
            "groupKey": "{}:" + ",".join(f"{k}={v}" for k, v in sorted(common_labels.items()))}
    return api.post(f"/api/v1/alerts/alertmanager/?integration={integration.pk}", body, format="json")


def test_the_first_matching_route_picks_the_policy_and_the_default_takes_the_rest(api, integration):
    assert post(api, integration, team="east", severity="critical").status_code == 201  # position 1 first
    assert post(api, integration, team="north", severity="critical").status_code == 201
    assert post(api, integration, team="north", severity="info").status_code == 201
    assert (len(sms_to(ANA)), len(sms_to(BEN)), len(sms_to(CLEO))) == (1, 1, 1)
    assert [i.policy.name for i in Incident.objects.order_by("id")] == ["East", "Critical", "Default"]


def test_an_unknown_integration_is_a_400_naming_it(api, integration):
    response = api.post("/api/v1/alerts/alertmanager/?integration=999999", ALERTMANAGER_FIRING, format="json")
    assert response.status_code == 400 and "integration" in response.json()


def test_a_dispatcher_adds_routes_and_sends_a_test_alert_that_pages_through_them(client, django_user_model,
                                                                                 integration):
    user = django_user_model.objects.create_user("jo", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    page = client.get(f"/admin/incidents/alertintegration/{integration.pk}/change/").content.decode()
    assert "Send a test alert" in page and f"?integration={integration.pk}" in page
    response = client.post(f"/admin/incidents/alertintegration/{integration.pk}/test-alert/")
    incident = Incident.objects.get()
    assert response["Location"].endswith(f"/admin/incidents/incident/{incident.pk}/change/")
    assert incident.policy.name == "Default" and "Test alert for Prometheus, sent by jo" in incident.description
    assert len(sms_to(CLEO)) == 1


def test_the_admin_refuses_a_route_with_a_bad_matcher(client, django_user_model, integration):
    user = django_user_model.objects.create_superuser("root", "r@example.com", "pw-12345-abc")
    client.force_login(user)
    response = client.post("/admin/incidents/alertintegration/add/", {
        "name": "Grafana", "default_policy": integration.default_policy.pk,
        "routes-TOTAL_FORMS": "1", "routes-INITIAL_FORMS": "0",
        "routes-0-position": "1", "routes-0-matchers": "team=~(east", "routes-0-policy": integration.default_policy.pk,
    })
    assert response.status_code == 200 and "bad regular expression" in response.content.decode()
    assert not AlertIntegration.objects.filter(name="Grafana").exists()
