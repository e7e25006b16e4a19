"""At 1,366 px wide with the sidebar open, the columns people act on are on screen, whole.

A new user on a 1,366 px laptop found the incidents' "next step at", the shift board's booked
by and at, the message log's status, price and owner, and the contacts' tags off-screen or
clipped."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from incidents.models import Incident
from incidents.services import incident_open
from messaging.contacts import contact_upsert
from messaging.models import MessageStatus, OutboundMessage
from shifts import services as shift_services
from shifts.models import Shift, ShiftCampaign, ShiftStatus
from tests.support.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 1366

PAGES = {
    "incidents": ("/admin/incidents/incident/", ["next_step_at", "status_badge"]),
    "shifts": ("/admin/shifts/shift/", ["booked_by", "booked_at", "status_badge"]),
    "message-log": ("/admin/messaging/outboundmessage/", ["status_badge", "price", "owner_link"]),
    "contacts": ("/admin/messaging/contact/", ["tag_list"]),
}


def realistic_rows():
    """Rows as long as real ones: long names, emails, descriptions, provider ids and tags."""
    people = [contact_upsert(name=f"Alexandria Montgomery-Smythe {i}", phone=f"+1206555{1000 + i}",
                             email=f"alexandria.montgomery-smythe{i}@operations.example.com",
                             tags=["gas-engineers-north-east", "overtime-weekend", "managers-on-call"])[0]
              for i in range(3)]
    for person in people:
        person.whatsapp = person.phone
        person.save()
    incident = incident_open(description="Strong gas smell reported in the basement of 125 Harbour View "
                                         "Apartments, residents evacuated, fire brigade on site", contacts=people)
    assert Incident.objects.get(pk=incident.pk).next_step_at is not None
    now = timezone.now()
    for i in range(3):
        shift = shift_services.shift_create(code=f"WHS{i:04d}", info="Warehouse picker, overtime rate, bring "
                                                                    "safety boots and a high-visibility vest",
                                            location="Distribution centre, Dock 3 North",
                                            starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=8))
        Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.TAKEN, booked_phone=people[i].phone,
                                                 booked_by=people[i], booked_at=now)
    OutboundMessage.objects.create(channel="email", recipient=people[0].email, subject="Incident #1 unacknowledged",
                                   body="Nobody accepted it", status=MessageStatus.FAILED, owner_type=ContentType.
                                   objects.get_for_model(ShiftCampaign), owner_id=12345,
                                   error="Permanent/General; smtp; 550 5.1.1 user unknown")
    OutboundMessage.objects.filter(owner_id=incident.pk).update(
        status=MessageStatus.DELIVERED, price=Decimal("0.005810"), parts=2,
        provider_message_id="sim-6f1c2f3e-7d4b-4c36-9a0e-1b2c3d4e5f60")


def test_key_columns_show_whole_at_1366_px_with_the_sidebar_open(browser_page, live_server, admin_login):
    page = browser_page
    page.set_viewport_size({"width": WIDTH, "height": 800})
    realistic_rows()
    admin_login(page, live_server.url)
    problems = []
    for name, (url, columns) in PAGES.items():
        page.goto(live_server.url + url)
        assert page.locator("#nav-sidebar").is_visible(), "the sidebar is open"
        page.screenshot(path=str(SCREENSHOTS / f"wide-1366-{name}.png"), full_page=True)
        for column in columns:
            cell = page.locator(f"#result_list .field-{column}").first
            # The results table scrolls sideways inside its box: a cell past the box's right edge
            # is as hidden as one past the window's, though its own box says nothing of it.
            where = cell.evaluate("""el => {
                const r = el.getBoundingClientRect(), box = el.closest('.results').getBoundingClientRect();
                return {left: r.left, right: r.right, visible_right: Math.min(box.right, window.innerWidth),
                        clipped: el.scrollWidth > el.clientWidth + 1};
            }""")
            text = cell.inner_text().strip()
            if where["left"] < 0 or where["right"] > where["visible_right"] + 0.5 or where["clipped"] or not text:
                problems.append((name, column, where, text))
    assert not problems, problems
