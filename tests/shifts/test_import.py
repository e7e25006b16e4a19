"""Bulk-adding shifts from a CSV: all rows or none, errors named by CSV line."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shifts.imports import shifts_import_csv
from shifts.models import Shift
from shifts.services import shift_create
from tests.support.clock import iso_day

pytestmark = pytest.mark.django_db

DAY = iso_day()  # 1 December of next year: in the future, and London is on UTC then
GOOD = f"""code,info,starts_at,ends_at,time_zone,location
xyz1234,Warehouse picker,{DAY} 08:00,{DAY} 16:00,Europe/London,Dock 3
ABC9876,Forklift driver,{DAY}T16:00:00+00:00,{DAY}T23:30:00+00:00,,Yard B
NIGHT1,Night inventory,,,,
"""


def test_a_good_csv_adds_every_shift_with_codes_upper_case_and_local_times():
    report = shifts_import_csv(text=GOOD)
    assert report.errors == [] and report.created == 3
    xyz = Shift.objects.get(code="XYZ1234")
    assert xyz.info == "Warehouse picker" and xyz.location == "Dock 3" and xyz.status == "available"
    assert xyz.starts_at.isoformat() == f"{DAY}T08:00:00+00:00"  # London is on UTC in December
    assert Shift.objects.get(code="NIGHT1").starts_at is None


@pytest.mark.parametrize("bad_row, line, words", [
    ("BAD CODE,has a space,,,,", 3, "letters, digits or dashes"),
    ("DUP1,first copy,,,,\nDUP1,second copy,,,,", 4, "already exists"),
    ("dup1,again lower-case,,,,\nDUP1,second copy,,,,", 4, "already exists"),
    (f"LATE1,ends before it starts,{DAY} 10:00,{DAY} 09:00,,", 3, "end after it starts"),
    ("WHEN1,bad time,next tuesday,,,", 3, "not a date and time"),
    (f"ZONE1,bad zone,{DAY} 10:00,,Mars/Olympus,", 3, "Unknown time zone"),
    ("REQUEST,a command word,,,,", 3, "SMS command"),
])
def test_one_bad_row_is_reported_by_line_and_nothing_is_imported(bad_row, line, words):
    text = GOOD.splitlines()[0] + "\nGOOD1,fine,,,,\n" + bad_row + "\nGOOD2,also fine,,,,\n"
    report = shifts_import_csv(text=text)
    assert report.created == 0
    assert [ln for ln, _ in report.errors] == [line], report.errors
    assert words in report.errors[0][1]
    assert not Shift.objects.exists()


def test_a_code_that_already_exists_in_any_case_is_refused():
    shift_create(code="XYZ1234", info="existing")
    report = shifts_import_csv(text=GOOD)
    assert report.errors and report.errors[0][0] == 2 and "already exists" in report.errors[0][1]
    assert list(Shift.objects.values_list("code", flat=True)) == ["XYZ1234"]


def test_the_admin_upload_shows_the_csv_line_and_imports_nothing(admin_client):
    text = GOOD + "BAD CODE,broken,,,,\n"
    upload = SimpleUploadedFile("shifts.csv", text.encode(), content_type="text/csv")
    r = admin_client.post("/admin/shifts/shift/import/", {"import_file": upload, "format": "0",
                                                           "resource": "0"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Nothing was imported" in html
    assert '<td class="csv-line">5</td>' in html
    assert "letters, digits or dashes" in html
    assert "Confirm import" not in html
    assert not Shift.objects.exists()


def test_the_admin_upload_of_a_good_csv_previews_then_imports_on_confirm(admin_client):
    upload = SimpleUploadedFile("shifts.csv", GOOD.encode(), content_type="text/csv")
    r = admin_client.post("/admin/shifts/shift/import/", {"import_file": upload, "format": "0", "resource": "0"})
    assert r.status_code == 200 and "Confirm import" in r.content.decode()
    assert not Shift.objects.exists()  # a preview imports nothing
    form = r.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    r = admin_client.post("/admin/shifts/shift/process_import/", data)
    assert r.status_code == 302
    assert sorted(Shift.objects.values_list("code", flat=True)) == ["ABC9876", "NIGHT1", "XYZ1234"]
