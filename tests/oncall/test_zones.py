"""On-call times in the schedule's own zone, saying which zone, wherever they are shown or sent:
the schedule's form and list, its overrides table, the ONCALL SMS.

A new user found an 08:00 Los Angeles handoff shown as 16:00 (the site's zone, UTC) and the
overrides table in unlabelled UTC."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from messaging.contacts import allow_list_add, contact_upsert
from oncall.admin import ScheduleForm
from oncall.services import override_add, schedule_create
from oncall.texts import local_time, oncall_line, turn_notice_text, zone_label
from tests.support.shifts import replies_to, sms_in

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
H = timedelta(hours=1)
ANA, BEN = "+12065550101", "+12065550102"


def eight_am_la(days_ago: int = 1) -> datetime:
    return datetime.combine(timezone.now().astimezone(LA).date() - timedelta(days=days_ago), time(8), tzinfo=LA)


@pytest.fixture
def la_rota(db):
    ana, _ = contact_upsert(name="Ana", phone=ANA)
    ben, _ = contact_upsert(name="Ben", phone=BEN)
    for phone in (ANA, BEN):
        allow_list_add(phone=phone, scope="shifts")
    return schedule_create(name="West gas", time_zone="America/Los_Angeles", handoff=eight_am_la(),
                           turn_hours=24, members=[ana, ben])


def test_the_schedule_page_shows_an_8am_los_angeles_handoff_as_0800(admin_client, la_rota):
    page = admin_client.get(f"/admin/oncall/schedule/{la_rota.pk}/change/").content.decode()
    assert 'name="handoff_1" value="08:00:00"' in page
    assert 'value="16:00:00"' not in page and 'value="15:00:00"' not in page
    assert "in the schedule's time zone" in page
    listing = admin_client.get("/admin/oncall/schedule/").content.decode()
    assert f"{eight_am_la():%a %d %b %Y} 08:00 {eight_am_la().tzname()}" in listing


def test_a_handoff_typed_in_the_form_is_read_in_the_zone_the_form_names(la_rota):
    local = eight_am_la(days_ago=3)
    form = ScheduleForm(instance=la_rota, data={
        "name": "West gas", "time_zone": "America/Los_Angeles", "turn_hours": 24, "notice_minutes": "",
        "handoff": f"{local.date().isoformat()} 08:00:00"})
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.handoff == local and saved.handoff.astimezone(LA).hour == 8
    # Moving the schedule to another zone keeps the typed clock time in the new zone.
    form = ScheduleForm(instance=saved, data={
        "name": "West gas", "time_zone": "Europe/Paris", "turn_hours": 24, "notice_minutes": "",
        "handoff": f"{local.date().isoformat()} 08:00:00"})
    assert form.is_valid(), form.errors
    assert form.save().handoff.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).hour == 8


def test_the_overrides_table_is_in_the_schedules_zone_and_says_so(admin_client, la_rota):
    ana, _ = contact_upsert(name="Ana", phone=ANA)
    start = eight_am_la(days_ago=-2).replace(hour=9)
    override_add(schedule=la_rota, contact=ana, start=start, end=start + 8 * H, note="swap")
    page = admin_client.get(f"/admin/oncall/schedule/{la_rota.pk}/change/").content.decode()
    table = page[page.index('id="oncall-overrides"'):]
    table = table[:table.index("</table>")]
    assert "(America/Los_Angeles)" in table
    assert f"{start:%a %d %b %Y} 09:00 {start.tzname()}" in table
    assert f"{start + 8 * H:%a %d %b %Y} 17:00" in table
    listing = admin_client.get("/admin/oncall/scheduleoverride/").content.decode()
    assert f"09:00 {start.tzname()} (America/Los_Angeles)" in listing


def test_the_oncall_sms_says_which_zone_until_is_in(la_rota):
    sms_in(BEN, "ONCALL")
    [answer] = replies_to(BEN)
    until = la_rota.handoff + 24 * H
    # "until 08:00 PST" on the handoff's day in Los Angeles, "until Tue 08:00 PST" the day before:
    # which one depends on the hour the test runs, the time and its zone do not.
    assert re.search(rf"until (\w{{3}} )?{until.astimezone(LA):%H:%M} {re.escape(zone_label(until, tz=LA))}", answer)
    assert "(America/Los_Angeles)" in answer


@pytest.mark.parametrize(("zone", "label"), [("UTC", "UTC"), ("America/Los_Angeles", "(America/Los_Angeles)"),
                                             ("Asia/Kolkata", "IST (Asia/Kolkata)"),
                                             ("Europe/Istanbul", "UTC+03 (Europe/Istanbul)")])
def test_every_on_call_text_carries_its_zone(zone, label):
    tz = zoneinfo.ZoneInfo(zone)
    now = timezone.now()
    until = now + 2 * H
    assert label in oncall_line(schedule_name="S", name="Ana", phone=ANA, until=until, tz=tz, now=now)
    assert label in oncall_line(schedule_name="S", name=None, phone=None, until=until, tz=tz, now=now)
    assert label in turn_notice_text(schedule_name="S", start=now, until=until, tz=tz, now=now)
    assert local_time(until, tz=tz, now=now).endswith(until.astimezone(tz).tzname().replace("+", "UTC+"))


def test_the_override_admin_form_reads_and_shows_times_in_the_schedules_zone(admin_client, la_rota):
    from oncall.admin import OverrideAdminForm

    ana, _ = contact_upsert(name="Ana", phone=ANA)
    day = eight_am_la(days_ago=-3).date().isoformat()
    form = OverrideAdminForm(data={"schedule": la_rota.pk, "contact": ana.pk, "start": f"{day} 09:00",
                                   "end": f"{day} 17:00", "note": ""})
    assert form.is_valid(), form.errors
    override = form.save()
    assert (override.start.astimezone(LA).hour, override.end.astimezone(LA).hour) == (9, 17)
    page = admin_client.get(f"/admin/oncall/scheduleoverride/{override.pk}/change/").content.decode()
    assert 'value="09:00:00"' in page and 'value="17:00:00"' in page
