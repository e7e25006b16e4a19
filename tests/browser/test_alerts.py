"""An incident opened by Alertmanager, seen by a dispatcher with its repeats and its resolution."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from incidents.models import EscalationLevel, EscalationPolicy, Incident
from messaging.api.keys import api_key_create
from messaging.models import Contact
from portal.roles import DISPATCHER
from tests.support.alerts import ALERTMANAGER_FIRING, grown, resolved
from tests.support.browser import SCREENSHOTS
from tests.support.incidents import ANA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_timeline_shows_the_alert_that_opened_it_its_repeats_and_the_resolution_by_alertmanager(
        browser_page, live_server, admin_login):
    policy = EscalationPolicy.objects.create(name="Probes")
    level = EscalationLevel.objects.create(policy=policy, wait_seconds=600, reminders=1)
    level.contacts.set([Contact.objects.create(name="Ana on call", phone=ANA)])
    _, key = api_key_create(name="alertmanager")
    monitor = APIClient()
    monitor.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/v1/alerts/alertmanager/?policy={policy.pk}"
    for body in (ALERTMANAGER_FIRING, ALERTMANAGER_FIRING, grown(ALERTMANAGER_FIRING, instance="https://b.example.org"),
                 resolved(ALERTMANAGER_FIRING)):
        assert monitor.post(url, body, format="json").status_code in (200, 201)
    incident = Incident.objects.get()

    page = browser_page
    admin_login(page, live_server.url, username="jo", groups=(DISPATCHER,))
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    names = ("Opened by an alert", "Alert repeated", "Notified", "Resolved", "Stood down")
    rows = [" ".join(row.split()) for row in page.locator("#events-group tbody tr").all_inner_texts()]
    rows = [row for row in rows if any(name in row for name in names)]
    kinds = [next(name for name in names if name in row) for row in rows]
    assert kinds == ["Opened by an alert", "Notified", "Alert repeated", "Alert repeated", "Resolved", "Stood down"]
    assert rows[0].endswith("opened by Alertmanager, 1 firing")
    assert "Ana on call" in rows[1]
    assert rows[2].endswith("alert repeated, 1 firing") and rows[3].endswith("alert repeated, 2 firing")
    assert rows[4].endswith("by Alertmanager") and "Ana on call" in rows[5]
    page.screenshot(path=str(SCREENSHOTS / "incident-opened-and-resolved-by-alertmanager.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/incidents/alert/")
    assert page.locator("#result_list tbody tr").count() == 4
    assert page.locator(f'#result_list a[href$="/incident/{incident.pk}/change/"]').count() == 4
