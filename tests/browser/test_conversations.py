"""The Conversations inbox and a thread in a real browser, as each role sees them (screenshots in
test-results/conversations-*.png), a dispatcher answering and marking done, the free text on the
incident's timeline, and the campaign composer's count of recipients not on the allow-list."""

import pytest

from incidents.services import incident_open_for_phones
from messaging.contacts import allow_list_add, contact_upsert
from messaging.models import Conversation, OutboundMessage, Tag
from shifts import services as shift_services
from tests.support.browser import SCREENSHOTS
from tests.support.incidents import reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANA, BEN, CLEO = "+12065550101", "+12065550102", "+12065550103"


def _story():
    """Ana is paged and answers in free text; Ben, not on the allow-list, texts a shift code from
    a campaign; Cleo writes something no rule takes."""
    for name, phone in (("Ana Ortiz", ANA), ("Ben Park", BEN), ("Cleo Diaz", CLEO)):
        contact_upsert(name=name, phone=phone, tags=["saturday"])
    incident = incident_open_for_phones(description="Gas smell at Dock 3", url="", phones=[ANA], wait_seconds=600,
                                        reminders=1, created_by="tests")
    reply(ANA, "Running 10 min late, stuck behind a train")
    campaign, _ = shift_services.campaign_launch(name="Saturday", tag=Tag.objects.get(name="saturday"),
                                              message="Saturday overtime at Dock 3: reply SAT1 to book")
    reply(BEN, "SAT1")
    reply(CLEO, "Is the gate code still 4412?")
    return incident, campaign


def _open_thread(page, base, phone):
    page.goto(f"{base}/admin/messaging/conversation/{Conversation.objects.get(phone=phone).pk}/change/")
    page.wait_for_selector("#thread")


def test_each_role_sees_the_inbox_and_a_thread(browser_page, live_server, admin_login):
    incident, campaign = _story()
    page, base = browser_page, live_server.url

    # The dispatcher: everything, needing a reply first; answers Ana, marks Cleo done.
    admin_login(page, base, username="dispatcher", groups=("dispatcher",))
    page.goto(f"{base}/admin/messaging/conversation/")
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == [CLEO, ANA, BEN]  # waiting first, latest first
    page.screenshot(path=str(SCREENSHOTS / "conversations-inbox-dispatcher.png"), full_page=True)
    _open_thread(page, base, ANA)
    assert page.locator(f"a[href='/admin/incidents/incident/{incident.pk}/change/']").count() >= 2
    page.screenshot(path=str(SCREENSHOTS / "conversations-thread-dispatcher.png"), full_page=True)
    page.fill("#id_body", "Thanks Ana, Ben is covering until you get there.")
    page.click("#answer-form input[type=submit]")
    page.wait_for_selector(".messagelist")
    assert OutboundMessage.objects.filter(recipient=ANA, body__startswith="Thanks Ana, Ben").exists()
    assert not Conversation.objects.get(phone=ANA).needs_reply
    _open_thread(page, base, CLEO)
    page.click("#done-button")
    page.wait_for_selector("#result_list")
    assert not Conversation.objects.get(phone=CLEO).needs_reply

    # The incident page shows the free text on its timeline.
    page.goto(f"{base}/admin/incidents/incident/{incident.pk}/change/")
    timeline = page.locator("body").inner_text()
    assert "Replied" in timeline and "Running 10 min late" in timeline
    page.screenshot(path=str(SCREENSHOTS / "conversations-incident-timeline.png"), full_page=True)

    # The analyst: reads everything, no answer box.
    page.context.clear_cookies()
    admin_login(page, base, username="analyst", groups=("analyst",))
    page.goto(f"{base}/admin/messaging/conversation/")
    assert page.locator("#result_list tbody tr").count() == 3
    page.screenshot(path=str(SCREENSHOTS / "conversations-inbox-analyst.png"), full_page=True)
    _open_thread(page, base, ANA)
    assert page.locator("#answer-form").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "conversations-thread-analyst.png"), full_page=True)

    # The shift manager: only the thread about shifts (Ben's ignored code), and may answer it.
    page.context.clear_cookies()
    admin_login(page, base, username="manager", groups=("shift manager",))
    page.goto(f"{base}/admin/messaging/conversation/")
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == [BEN]
    page.screenshot(path=str(SCREENSHOTS / "conversations-inbox-shift-manager.png"), full_page=True)
    _open_thread(page, base, BEN)
    assert "ignored" in page.locator("#thread").inner_text()
    assert page.locator("#answer-form").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "conversations-thread-shift-manager.png"), full_page=True)


def test_the_send_confirmation_counts_recipients_not_on_the_allow_list_and_one_click_adds_them(
        browser_page, live_server, admin_login):
    for i in range(13):
        contact_upsert(name=f"Picker {i}", phone=f"+1206555{300 + i:04d}", tags=["saturday"])
    for i in range(3):
        allow_list_add(phone=f"+1206555{300 + i:04d}", scope="shifts")
    campaign = shift_services.campaign_create(name="Saturday", tag=Tag.objects.get(name="saturday"),
                                              message="Saturday overtime: reply SAT1 to book")
    page, base = browser_page, live_server.url
    admin_login(page, base, username="manager", groups=("shift manager",))
    page.goto(f"{base}/admin/shifts/shiftcampaign/{campaign.pk}/send/")
    assert page.locator("#not-allowed-count").inner_text() == "10"
    page.screenshot(path=str(SCREENSHOTS / "conversations-campaign-not-allowed.png"), full_page=True)
    page.click("#allow-all")
    page.wait_for_selector("#audience")
    assert page.locator("#not-allowed").count() == 0
