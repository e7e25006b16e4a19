"""The campaign composer: a text nobody wrote follows the chosen shifts until the manager edits
it, line breaks are plain, and the message is previewed before the first save.

A new user saved a campaign with an empty message, then changed its shifts: the text had been
frozen at the first save, and the SMS carried the browser's \\r\\n line breaks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase

from messaging.models import OutboundMessage, Tag
from shifts import services
from shifts.models import ShiftCampaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, django_user_model, employees):
    employees(2)
    services.shift_create(code="XYZ1234", info="Warehouse picker", location="Dock 3")
    services.shift_create(code="ABC9876", info="Forklift driver", location="Yard B")
    user = django_user_model.objects.create_user("sm", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="shift manager"))
    client.force_login(user)
    return client


def form(campaign_name: str, shifts: list[int], message: str) -> dict:
    return {"name": campaign_name, "tag": Tag.objects.get(name="overtime").pk, "shifts": shifts, "message": message,
            "send_at_0": "", "send_at_1": ""}


def shift_pk(code: str) -> int:
    return services.shift_get(code=code).pk


def test_an_unedited_text_follows_the_shifts_chosen_after_the_first_save(manager):
    manager.post("/admin/shifts/shiftcampaign/add/", form("Saturday", [shift_pk("XYZ1234")], ""))
    campaign = ShiftCampaign.objects.get()
    url = f"/admin/shifts/shiftcampaign/{campaign.pk}/change/"
    page = manager.get(url).content.decode()
    assert "XYZ1234: Warehouse picker" in page  # the box shows the composed text

    # The manager picks the other shift and sends the box back as shown, as a browser does (\r\n).
    shown = services.campaign_message_current(campaign=campaign).replace("\n", "\r\n")
    r = manager.post(url, form("Saturday", [shift_pk("ABC9876")], shown))
    assert r.status_code == 302, r.content.decode()[:2000]
    campaign.refresh_from_db()
    assert campaign.message == ""
    current = services.campaign_message_current(campaign=campaign)
    assert "ABC9876: Forklift driver" in current and "XYZ1234" not in current

    with TestCase.captureOnCommitCallbacks(execute=True):
        manager.post(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/", {"now": "1"})
    bodies = set(OutboundMessage.objects.values_list("body", flat=True))
    assert len(bodies) == 1
    [body] = bodies
    assert "ABC9876: Forklift driver" in body and "\r" not in body
    campaign.refresh_from_db()
    assert campaign.message == body  # what was sent is kept


def test_an_edited_text_is_kept_as_written_with_plain_line_breaks(manager):
    manager.post("/admin/shifts/shiftcampaign/add/", form("Saturday", [shift_pk("XYZ1234")], ""))
    campaign = ShiftCampaign.objects.get()
    url = f"/admin/shifts/shiftcampaign/{campaign.pk}/change/"
    manager.post(url, form("Saturday", [shift_pk("XYZ1234")], "Hi {name},\r\nXYZ1234 is open.\r\nReply XYZ1234."))
    campaign.refresh_from_db()
    assert campaign.message == "Hi {name},\nXYZ1234 is open.\nReply XYZ1234."
    manager.post(url, form("Saturday", [shift_pk("ABC9876")], campaign.message.replace("\n", "\r\n")))
    campaign.refresh_from_db()
    assert campaign.message.startswith("Hi {name},\nXYZ1234")  # the manager's words stay theirs


def test_the_add_form_previews_the_message_before_the_first_save(manager):
    page = manager.get("/admin/shifts/shiftcampaign/add/").content.decode()
    assert 'id="campaign-live-preview"' in page
    preview = manager.get("/admin/shifts/shiftcampaign/preview/", {"shifts": [shift_pk("ABC9876")],
                                                                   "message": ""}).json()
    assert "ABC9876: Forklift driver" in preview["text"] and "XYZ1234" not in preview["text"]
    assert preview["follows_shifts"] and preview["parts"] == 1 and preview["encoding"] == "GSM-7"
    own = manager.get("/admin/shifts/shiftcampaign/preview/", {"message": "Line 1\r\nLine 2"}).json()
    assert (own["text"], own["characters"], own["follows_shifts"]) == ("Line 1\nLine 2", 13, False)
    assert not ShiftCampaign.objects.exists()


def test_the_preview_is_for_those_who_may_see_campaigns(client, django_user_model):
    user = django_user_model.objects.create_user("disp", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="dispatcher"))
    client.force_login(user)
    assert client.get("/admin/shifts/shiftcampaign/preview/").status_code == 403


def test_an_api_or_service_message_keeps_plain_line_breaks(employees):
    employees(1)
    campaign = services.campaign_create(name="API", tag=Tag.objects.get(name="overtime"), message="A\r\nB")
    assert campaign.message == "A\nB"
