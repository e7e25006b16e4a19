"""The alerts in the admin: each stored body with its incident, read-only."""

from __future__ import annotations

import pytest

from incidents.models import Alert
from portal.roles import ANALYST, DISPATCHER
from tests.support.alerts import ALERTMANAGER_FIRING
from tests.support.incidents import ANA
from tests.support.staff import staff

pytestmark = pytest.mark.django_db


def test_a_dispatcher_sees_each_alert_with_its_incident_and_the_body_as_received(
        client, django_user_model, api, policy_factory):
    policy = policy_factory([([ANA], 60, 0, False)])
    incident = api.post(f"/api/v1/alerts/alertmanager/?policy={policy.pk}", ALERTMANAGER_FIRING,
                        format="json").json()["incident"]
    api.post(f"/api/v1/alerts/alertmanager/?policy={policy.pk}", ALERTMANAGER_FIRING, format="json")
    page = staff(client, django_user_model, DISPATCHER).get("/admin/incidents/alert/").content.decode()
    assert page.count(f"/admin/incidents/incident/{incident}/change/") == 2
    assert f"Absorbed by #{incident}: alert repeated, 1 firing." in page
    detail = client.get(f"/admin/incidents/alert/{Alert.objects.earliest('id').pk}/change/").content.decode()
    assert "BlackBox Probe Failure" in detail and "truncatedAlerts" in detail
    assert client.post("/admin/incidents/alert/add/", {}).status_code == 403


def test_an_analyst_can_read_the_alerts(client, django_user_model):
    assert staff(client, django_user_model, ANALYST).get("/admin/incidents/alert/").status_code == 200
    assert client.get("/admin/incidents/alertgroup/").status_code == 200


def test_the_incident_page_counts_its_alerts_as_the_api_does_and_links_to_them(
        client, django_user_model, api, policy_factory):
    policy = policy_factory([([ANA], 60, 0, False)])
    for _ in range(6):  # one alert and five repeats
        incident = api.post(f"/api/v1/alerts/alertmanager/?policy={policy.pk}", ALERTMANAGER_FIRING,
                            format="json").json()["incident"]
    assert api.get(f"/api/v1/incidents/{incident}/").json()["alerts"] == 6
    page = staff(client, django_user_model, DISPATCHER).get(f"/admin/incidents/incident/{incident}/change/")
    link = f"/admin/incidents/alert/?incident__id__exact={incident}"
    assert f'<a href="{link}">6 alerts</a>' in page.content.decode()
    listed = client.get(link)
    assert listed.status_code == 200 and "6 alerts" in listed.content.decode()  # the changelist's count


def test_a_long_key_is_shortened_in_the_lists_and_whole_on_the_alerts_page(
        client, django_user_model, api, policy_factory):
    policy = policy_factory([([ANA], 60, 0, False)])
    key = "route-prod-eu:" + "k" * 600  # (no quotes: the page escapes them)
    api.post(f"/api/v1/alerts/alertmanager/?policy={policy.pk}", {**ALERTMANAGER_FIRING, "groupKey": key},
             format="json")
    staff(client, django_user_model, DISPATCHER)
    for url in ("/admin/incidents/alert/", "/admin/incidents/alertgroup/"):
        page = client.get(url).content.decode()
        assert key[:60] in page and key not in page
    assert "k" * 600 in client.get(f"/admin/incidents/alert/{Alert.objects.get().pk}/change/").content.decode()
