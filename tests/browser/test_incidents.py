"""A dispatcher opens an incident from a policy in a real browser and watches it."""

from __future__ import annotations

import pytest

from incidents.models import EscalationLevel, EscalationPolicy, Incident
from messaging.models import Contact
from portal.roles import DISPATCHER
from tests.support.browser import SCREENSHOTS
from tests.support.incidents import ANA, BEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dispatcher_opens_an_incident_from_a_policy_and_sees_the_first_page(browser_page, live_server, admin_login):
    policy = EscalationPolicy.objects.create(name="Gas leak – east")
    for position, phone in enumerate([ANA, BEN], 1):
        level = EscalationLevel.objects.create(policy=policy, position=position, wait_seconds=60, reminders=1)
        level.contacts.set([Contact.objects.create(name=f"Engineer {position}", phone=phone)])
    page = browser_page
    admin_login(page, live_server.url, username="jo", groups=(DISPATCHER,))
    page.goto(f"{live_server.url}/admin/incidents/incident/add/")
    page.fill("#id_description", "Gas smell reported at 5 Main St")
    page.fill("#id_url", "https://maps.example/5-main")
    page.select_option("#id_policy", label="Gas leak – east")
    # The first SMS and its cost are shown while typing, before anything is sent.
    # A selector, not wait_for_function: Playwright evaluates that string with eval, which the CSP refuses.
    page.wait_for_selector("#sms-live-text:has-text('5-main')")
    assert page.inner_text("#sms-live-parts").startswith("1 part (GSM-7")
    page.screenshot(path=str(SCREENSHOTS / "incident-add-preview.png"), full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was added successfully")
    incident = Incident.objects.get()
    timeline = page.locator("#events-group").inner_text()
    assert "Notified" in timeline and "Engineer 1" in timeline
    assert "SMS preview: 1 part" in page.content()
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "incident-opened-by-dispatcher.png"), full_page=True)
    assert incident.created_by == "jo"
