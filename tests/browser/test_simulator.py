"""The phone simulator in a real browser: a person answers as a phone and sees the result."""

import pytest

from messaging.models import InboundSms, MessageStatus, OutboundMessage
from messaging.outbound.send import message_send
from tests.support.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "+12065550142"


def test_reply_help_stop_and_mark_delivered_in_the_simulator(browser_page, live_server, admin_login, settings):
    settings.SMS_HELP_TEXT = "Ops portal help: reply STOP to opt out."
    sent = message_send(channel="sms", recipient=PHONE, body="Incident 12: gas leak on Elm St. Reply YES to accept")
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT  # TASKS_EAGER: delivered to the simulator transport

    page = browser_page
    admin_login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/")
    page.click("text=Phone simulator")
    page.click(f"#phones a[data-phone='{PHONE}']")
    page.wait_for_selector(".bubble.out >> text=gas leak on Elm St")
    assert page.locator(".bubble.out .badge").first.inner_text().lower() == "sent"

    page.fill("#reply-body", "help")
    page.click("#send")
    page.wait_for_selector(".bubble.in >> text=help")
    page.wait_for_selector(".bubble.out >> text=Ops portal help")
    assert InboundSms.objects.get().previous_published_message_id == sent.provider_message_id

    # Mark the first message delivered: the badge changes without a reload.
    page.locator(f".bubble.out[data-id='{sent.pk}'] button[data-mark=delivered]").click()
    page.wait_for_selector(f".bubble.out[data-id='{sent.pk}'] .badge[data-status=delivered]")

    page.fill("#reply-body", "STOP")
    page.click("#send")
    page.wait_for_selector(".bubble.out >> text=You are unsubscribed")
    page.screenshot(path=str(SCREENSHOTS / "simulator-conversation.png"), full_page=True)

    # A message sent elsewhere (a worker, the API) appears by polling, already suppressed.
    message_send(channel="sms", recipient=PHONE, body="Shift swap available")
    page.wait_for_selector(".bubble.out:has-text('Shift swap available') .badge[data-status=suppressed]",
                           timeout=5000)
    assert OutboundMessage.objects.get(body="Shift swap available").status == MessageStatus.SUPPRESSED


def test_a_dispatcher_answers_as_a_phone_and_an_analyst_only_reads(browser_page, live_server, admin_login):
    from portal.roles import ANALYST, DISPATCHER

    sent = message_send(channel="sms", recipient=PHONE, body="Incident 14: power cut. Reply YES to accept")
    page = browser_page
    admin_login(page, live_server.url, username="dispatch", groups=(DISPATCHER,))
    page.click("text=Phone simulator")
    page.click(f"#phones a[data-phone='{PHONE}']")
    page.fill("#reply-body", "YES")
    page.click("#send")
    page.wait_for_selector(".bubble.in >> text=YES")
    assert InboundSms.objects.get().body == "YES"

    page.context.clear_cookies()  # log out
    admin_login(page, live_server.url, username="analyst", groups=(ANALYST,))
    page.click("text=Phone simulator")
    page.click(f"#phones a[data-phone='{PHONE}']")
    page.wait_for_selector(".bubble.out >> text=power cut")
    assert page.is_disabled("#reply-body") and page.is_disabled("#send")
    assert page.locator(f".bubble.out[data-id='{sent.pk}'] button[data-mark]").count() == 0
    assert "not answer as a phone" in page.content()


def test_a_shift_manager_answering_an_incident_page_is_told_why_not_and_nothing_happens(
        browser_page, live_server, admin_login):
    from incidents.models import Incident, IncidentStatus
    from incidents.services import incident_open
    from messaging.contacts import contact_upsert
    from portal.roles import SHIFT_MANAGER

    ana, _ = contact_upsert(name="Ana", phone=PHONE)
    incident = incident_open(description="Power cut on Elm St", contacts=[ana], wait_seconds=300, reminders=0)
    page = browser_page
    admin_login(page, live_server.url, username="manager", groups=(SHIFT_MANAGER,))
    page.click("text=Phone simulator")
    page.click(f"#phones a[data-phone='{PHONE}']")
    page.wait_for_selector(".bubble.out >> text=Power cut on Elm St")
    page.fill("#reply-body", "YES")
    page.click("#send")
    page.wait_for_selector("#error >> text=Can change incident")
    assert "Nothing was recorded or sent" in page.inner_text("#error")
    assert page.locator(".bubble.in").count() == 0
    assert not InboundSms.objects.exists()
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.NOT_ACKNOWLEDGED
