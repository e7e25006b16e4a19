"""The admin's CSV import of contacts and the allow-list: check, preview, confirm, progress; the export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from messaging.models import AllowListEntry, Contact, ImportRun, ImportStatus, NumberType

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, django_user_model):
    def as_role(group_name: str):
        user = django_user_model.objects.create_user(group_name.replace(" ", "-"), password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=group_name))  # created by portal's roles migration
        client.force_login(user)
        return client

    return as_role


def upload(c, body: bytes, kind="contacts", scope=""):
    """Upload a file; the check that the worker runs after the upload commits runs inline here."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return c.post("/admin/messaging/importrun/add/", {
            "kind": kind, "scope": scope, "file": SimpleUploadedFile("people.csv", body, content_type="text/csv")})


def test_a_shift_manager_checks_previews_then_imports_contacts(login):
    c = login("shift manager")
    Contact.objects.create(name="Old", phone="+12065550102")
    r = upload(c, b"name,phone,tags\nAna,+12065550101,nurses\nBen,+12065550102,nurses\n")
    run = ImportRun.objects.get()
    assert r.status_code == 302 and run.status == ImportStatus.CHECKED
    page = c.get(f"/admin/messaging/importrun/{run.pk}/change/").content.decode()
    assert "1\n  new contact(s), 1 update(s)" in page and "+12065550101" in page and "Import now" in page
    assert Contact.objects.count() == 1  # nothing written by the preview

    with TestCase.captureOnCommitCallbacks(execute=True):
        c.post(f"/admin/messaging/importrun/{run.pk}/confirm/")
    run.refresh_from_db()
    assert (run.status, run.created, run.updated) == (ImportStatus.DONE, 1, 1)
    assert Contact.objects.get(phone="+12065550102").name == "Ben"
    c.post(f"/admin/messaging/importrun/{run.pk}/confirm/")  # a second confirmation does nothing
    assert Contact.objects.count() == 2


def test_a_bad_file_shows_every_bad_line_and_cannot_be_confirmed(login):
    c = login("shift manager")
    upload(c, b"name,phone,email\nAna,+12065550101,nope\n,+12065550102,\n")
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED
    page = c.get(f"/admin/messaging/importrun/{run.pk}/change/").content.decode()
    assert re.search(r"<td>2</td><td>email</td>", page) and re.search(r"<td>3</td><td>name</td>", page)
    assert "Import now" not in page
    c.post(f"/admin/messaging/importrun/{run.pk}/confirm/")
    assert Contact.objects.count() == 0


def test_the_allow_list_takes_a_chosen_scope(login):
    c = login("shift manager")
    upload(c, b"phone\n+12065550101\n+12065550102\n", kind="allow_list", scope="shifts")
    run = ImportRun.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        c.post(f"/admin/messaging/importrun/{run.pk}/confirm/")
    assert set(AllowListEntry.objects.values_list("phone", "scope")) == {("+12065550101", "shifts"),
                                                                          ("+12065550102", "shifts")}


def test_an_analyst_cannot_import(login):
    c = login("analyst")
    assert upload(c, b"name,phone\nAna,+12065550101\n").status_code == 403


def test_the_contact_list_shows_and_filters_by_number_type(login):
    Contact.objects.create(name="Desk", phone="+442079460000", number_type=NumberType.LANDLINE)
    Contact.objects.create(name="Cell", phone="+447911123456", number_type=NumberType.MOBILE)
    page = login("analyst").get("/admin/messaging/contact/?number_type__exact=landline").content.decode()
    assert "Desk" in page and "Cell" not in page and "Fixed line" in page


def test_the_contact_export_escapes_formulae_and_needs_only_view(login):
    Contact.objects.create(name="=HYPERLINK(\"http://x\")", phone="+12065550101")
    c = login("analyst")
    form = c.get("/admin/messaging/contact/export/")
    assert form.status_code == 200
    columns = re.findall(r'name="(contactresource_[a-z_]+)"', form.content.decode())
    r = c.post("/admin/messaging/contact/export/", {"format": "0", "resource": "0", **dict.fromkeys(columns, "on")})
    text = r.content.decode()
    assert "'=HYPERLINK" in text and "+12065550101" in text


def test_a_dispatcher_is_offered_contacts_only_and_a_forged_allow_list_upload_is_refused(login):
    c = login("dispatcher")
    page = c.get("/admin/messaging/importrun/add/").content.decode()
    assert 'value="contacts"' in page and 'value="allow_list"' not in page
    r = upload(c, b"phone,scope\n+12065550101,shifts\n", kind="allow_list", scope="shifts")
    assert r.status_code == 200 and "Select a valid choice" in r.content.decode()
    assert not ImportRun.objects.exists() and not AllowListEntry.objects.exists()
    # Contacts still import.
    assert upload(c, b"name,phone\nAna,+12065550101\n").status_code == 302


def test_a_dispatcher_can_neither_see_nor_confirm_a_shift_managers_allow_list_file(login, client):
    upload(login("shift manager"), b"phone,scope\n+12065550101,shifts\n", kind="allow_list")
    run = ImportRun.objects.get()
    client.logout()
    c = login("dispatcher")
    assert c.get("/admin/messaging/importrun/").context["cl"].result_count == 0
    assert c.get(f"/admin/messaging/importrun/{run.pk}/change/").status_code == 404
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert c.post(f"/admin/messaging/importrun/{run.pk}/confirm/").status_code == 404
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED and not AllowListEntry.objects.exists()


def test_the_upload_request_only_stores_the_file_for_a_worker_to_check(login, settings):
    settings.TASKS_EAGER = False  # no worker runs: what the page shows until one does
    upload(login("shift manager"), b"name,phone\nAna,+12065550101\n")
    run = ImportRun.objects.get()
    assert (run.status, run.total, run.size) == (ImportStatus.QUEUED, 0, len(b"name,phone\nAna,+12065550101\n"))
    assert Contact.objects.count() == 0


def test_a_failed_import_is_listed_with_its_error_and_runs_again_from_the_admin(login, settings):
    c = login("shift manager")
    upload(c, b"name,phone\nAna,+12065550101\nBen,+12065550102\n")
    run = ImportRun.objects.get()
    settings.TASKS_EAGER = False
    c.post(f"/admin/messaging/importrun/{run.pk}/confirm/")
    # As the sweep leaves a confirmed run whose workers kept dying: failed, its file kept.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.FAILED, error="Stopped 5 times", attempt=5)
    page = c.get(f"/admin/messaging/importrun/{run.pk}/change/").content.decode()
    assert "Stopped 5 times" in page and "Run again" in page
    settings.TASKS_EAGER = True
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = c.post("/admin/messaging/importrun/", {"action": "run_again", "_selected_action": [run.pk]})
    assert r.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.created, run.error) == (ImportStatus.DONE, 2, "")
    assert Contact.objects.count() == 2


def test_an_analyst_cannot_run_an_import_again(login):
    run = ImportRun.objects.create(kind="contacts", source="api", name="x", status=ImportStatus.FAILED)
    c = login("analyst")
    assert c.post(f"/admin/messaging/importrun/{run.pk}/again/").status_code == 403


def test_a_run_whose_worker_died_shows_as_stuck_and_can_run_again(login):
    c = login("shift manager")
    upload(c, b"name,phone\nAna,+12065550101\n")
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, checked=True, total=1,
                                               lease_until=timezone.now() - timedelta(minutes=5))
    page = c.get("/admin/messaging/importrun/").content.decode()
    assert "stuck: its worker stopped at 0 of 1" in page
    assert "Run again" in c.get(f"/admin/messaging/importrun/{run.pk}/change/").content.decode()
