"""The review's "year 9999" finding, replayed: times at the edge of datetime are refused with a
400 (or a form error) naming the field at every door, and a far-future row already stored cannot
break the schedule's page, the override list or the on-call API."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from incidents.models import EscalationPolicy, MaintenanceWindow
from messaging.events.aws import parse_ses_event, parse_sms_voice_event
from messaging.models import Contact, Tag
from oncall.models import Schedule, ScheduleMember, ScheduleOverride
from shifts.imports import shifts_import_csv
from shifts.models import Shift, ShiftCampaign
from tests.support.aws import SES_DELIVERY, SMS_EVENT_RECORD, example
from tests.support.incidents import ANA, BEN

pytestmark = pytest.mark.django_db
LAST_SECOND = "9999-12-31T23:59:59Z"
OUT_OF_RANGE = [LAST_SECOND, "9999-12-31T23:59:59-08:00", "3000-01-01T00:00:00Z", "1900-01-01T00:00:00Z"]


@pytest.fixture
def schedule(db):
    s = Schedule.objects.create(name="East gas", time_zone="America/Los_Angeles", turn_hours=24,
                                handoff=timezone.now() - timedelta(days=3))
    ScheduleMember.objects.create(schedule=s, contact=Contact.objects.create(name="Ana", phone=ANA), position=1)
    return s


@pytest.mark.parametrize("at", OUT_OF_RANGE)
def test_on_call_at_the_end_of_time_is_a_400_naming_at(api, schedule, at):
    response = api.get(f"/api/v1/schedules/{schedule.pk}/on-call/", {"at": at})
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"at"}


def test_on_call_at_the_last_accepted_instant_answers(api, schedule):
    response = api.get(f"/api/v1/schedules/{schedule.pk}/on-call/", {"at": "2999-12-31T23:59:59Z"})
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == ANA


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_an_api_override_at_the_end_of_time_is_a_400_naming_the_field(api, schedule, field, value):
    body = {"phone": BEN, "start": timezone.now().isoformat(), "end": (timezone.now() + timedelta(hours=1)).isoformat()}
    body[field] = value
    response = api.post(f"/api/v1/schedules/{schedule.pk}/overrides/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ScheduleOverride.objects.exists()


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_schedule_handed_off_at_the_end_of_time_is_a_400_naming_handoff(api, value):
    response = api.post("/api/v1/schedules/", {"name": "Far", "handoff": value.replace("Z", "+00:00"),
                                               "turn_hours": 24, "members": [ANA]}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"handoff"}


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_shift_at_the_end_of_time_is_a_400_naming_the_field(api, field):
    body = {"code": "FAR1", "info": "Night", "starts_at": timezone.now().isoformat(),
            "ends_at": (timezone.now() + timedelta(hours=8)).isoformat()}
    body[field] = LAST_SECOND
    response = api.post("/api/v1/shifts/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {field}


@pytest.mark.parametrize("field", ["start", "end"])
def test_a_maintenance_window_at_the_end_of_time_is_a_400_naming_the_field(api, field):
    policy = EscalationPolicy.objects.create(name="Gas")
    body = {"policy": policy.pk, "reason": "upgrade", "start": timezone.now().isoformat(),
            "end": (timezone.now() + timedelta(hours=1)).isoformat()}
    body[field] = LAST_SECOND
    response = api.post("/api/v1/maintenance-windows/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not MaintenanceWindow.objects.exists()


def test_an_admin_override_at_the_end_of_year_9999_is_refused_and_the_page_still_opens(admin_client, schedule):
    contact = Contact.objects.create(name="Ben", phone=BEN)
    response = admin_client.post(f"/admin/oncall/schedule/{schedule.pk}/add-override/",
                                 {"contact": contact.pk, "start": "9999-12-31T22:00", "end": "9999-12-31T23:59"},
                                 follow=True)
    assert response.status_code == 200
    assert not ScheduleOverride.objects.exists()
    assert "up to the end of 2999" in response.content.decode()
    assert admin_client.get("/admin/oncall/scheduleoverride/").status_code == 200


def test_an_admin_override_just_inside_the_range_is_kept(admin_client, schedule):
    contact = Contact.objects.create(name="Ben", phone=BEN)
    admin_client.post(f"/admin/oncall/schedule/{schedule.pk}/add-override/",
                      {"contact": contact.pk, "start": "2999-12-30T08:00", "end": "2999-12-31T08:00"})
    assert ScheduleOverride.objects.get().end == datetime(2999, 12, 31, 16, tzinfo=UTC)  # 08:00 in Los Angeles


def test_a_far_future_row_stored_before_the_fix_breaks_no_page(admin_client, api, schedule):
    """A row written past every check (as before the fix): the pages and the API still answer."""
    far = ScheduleOverride(schedule=schedule, contact=Contact.objects.create(name="Ben", phone=BEN),
                           start=datetime(9999, 12, 31, 20, tzinfo=UTC),
                           end=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    far.save()  # no full_clean: the way the old admin stored it
    assert admin_client.get(f"/admin/oncall/schedule/{schedule.pk}/change/").status_code == 200
    assert admin_client.get("/admin/oncall/scheduleoverride/").status_code == 200
    assert admin_client.get("/admin/oncall/schedule/").status_code == 200
    assert admin_client.get(f"/admin/oncall/scheduleoverride/{far.pk}/change/").status_code == 200
    now = api.get(f"/api/v1/schedules/{schedule.pk}/on-call/")
    assert now.status_code == 200 and now.json()["phone"] == ANA
    late = api.get(f"/api/v1/schedules/{schedule.pk}/on-call/", {"at": "2999-12-31T23:59:59Z"})
    assert late.status_code == 200, late.content


@pytest.mark.postgres
def test_a_year_10000_override_stored_before_the_fix_is_repaired_by_the_migration(admin_client, api, schedule):
    """PostgreSQL keeps year 10000 and psycopg cannot read it back: the migration repairs the rows
    in the database, and the page, the override list and the API answer again."""
    ben = Contact.objects.create(name="Ben", phone=BEN)
    with connection.cursor() as cur:
        for start, end in [("2999-12-31 20:00:00+00", "10000-01-01 07:59:00+00"),  # ends past 9999
                           ("10000-01-01 06:00:00+00", "10000-01-01 07:59:00+00")]:  # 22:00-23:59 in LA
            cur.execute(f'INSERT INTO {ScheduleOverride._meta.db_table} (schedule_id, contact_id, start, "end", '
                        "note, created_by, created_at) VALUES (%s, %s, %s, %s, '', '', now())",
                        [schedule.pk, ben.pk, start, end])
    with pytest.raises(Exception, match="year"):  # what the pages met before the repair
        list(ScheduleOverride.objects.values_list("end", flat=True))

    migration = importlib.import_module("oncall.migrations.0003_instant_range_and_numeric_limits")
    migration.repair_out_of_range_rows(apps, None)

    last = datetime(3000, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)
    assert list(ScheduleOverride.objects.order_by("id").values_list("start", "end")) == [
        (datetime(2999, 12, 31, 20, tzinfo=UTC), last), (last - timedelta(seconds=1), last)]
    assert admin_client.get(f"/admin/oncall/schedule/{schedule.pk}/change/").status_code == 200
    assert admin_client.get("/admin/oncall/scheduleoverride/").status_code == 200
    assert api.get(f"/api/v1/schedules/{schedule.pk}/on-call/").status_code == 200


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_a_row_ending_at_the_last_second_of_9999_renders_in_a_zone_east_of_utc(admin_client, api, schedule, zone):
    """9999-12-31T23:59:59Z is already year 10000 in Tokyo: converting it for display overflowed."""
    Schedule.objects.filter(pk=schedule.pk).update(time_zone=zone)
    ScheduleOverride(schedule=schedule, contact=Contact.objects.create(name="Ben", phone=BEN),
                     start=timezone.now() - timedelta(hours=1), end=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
                     ).save()  # no full_clean: the way the old admin stored it
    response = api.get(f"/api/v1/schedules/{schedule.pk}/on-call/")
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == BEN
    assert admin_client.get(f"/admin/oncall/schedule/{schedule.pk}/change/").status_code == 200
    assert admin_client.get("/admin/oncall/schedule/").status_code == 200
    assert admin_client.get("/admin/oncall/scheduleoverride/").status_code == 200


def test_a_provider_event_dated_year_9999_is_kept_with_its_time_unknown():
    """A signed delivery event is outside input too: its far-future time is dropped, not stored."""
    far_ms = int(datetime(9999, 12, 31, 23, 59, tzinfo=UTC).timestamp() * 1000)
    assert parse_sms_voice_event(example(SMS_EVENT_RECORD, eventTimestamp=far_ms)).occurred_at is None
    assert parse_sms_voice_event(example(SMS_EVENT_RECORD)).occurred_at == datetime(
        2023, 6, 17, 4, 11, 43, 470000, tzinfo=UTC)  # the documentation's own time still reads
    ses = example(SES_DELIVERY, delivery={**SES_DELIVERY["delivery"], "timestamp": "9999-12-31T23:59:59.000Z"})
    assert parse_ses_event(ses).occurred_at is None


@pytest.mark.parametrize("when", ["9999-12-31 23:59", "9999-12-31T23:59:59+00:00", "1900-01-01 08:00"])
def test_a_shift_csv_row_at_the_end_of_time_is_reported_by_line_and_nothing_is_imported(when):
    text = f"code,info,starts_at,ends_at,time_zone,location\nGOOD1,fine,,,,\nFAR1,far,{when},,Asia/Tokyo,\n"
    report = shifts_import_csv(text=text)
    assert report.created == 0 and [line for line, _ in report.errors] == [3], report.errors
    assert "2999" in report.errors[0][1]
    assert not Shift.objects.exists()


def test_a_campaign_scheduled_for_year_9999_in_the_admin_is_refused(admin_client):
    tag = Tag.objects.create(name="pickers")
    response = admin_client.post("/admin/shifts/shiftcampaign/add/", {
        "name": "Far", "tag": tag.pk, "message": "Shifts free", "send_at_0": "9999-12-31", "send_at_1": "23:59:59"})
    assert response.status_code == 200
    assert "send_at" in response.context["adminform"].form.errors
    assert not ShiftCampaign.objects.exists()
