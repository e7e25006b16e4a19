"""POST /api/v1/contacts/import/ (CONTRACT.md "Contacts from CSV")."""

import pytest

from messaging.models import Contact, NumberType

pytestmark = pytest.mark.django_db

GOOD = ("name,phone,email,whatsapp,tags\n"
        "Ana,+12065550101,ana@example.com,,nurses;day\n"
        "Ben,+12065550102,,+12065550112,nurses\n"
        "Cy,+447700900123,,,\n")


def post(api, body: bytes | str, content_type="text/csv"):
    return api.generic("POST", "/api/v1/contacts/import/", body.encode() if isinstance(body, str) else body,
                       content_type=content_type)


def test_a_good_file_creates_then_the_same_phones_update(api):
    r = post(api, GOOD)
    assert r.status_code == 200 and r.json() == {"created": 3, "updated": 0}
    ana = Contact.objects.get(phone="+12065550101")
    assert sorted(t.name for t in ana.tags.all()) == ["day", "nurses"]
    assert Contact.objects.get(phone="+12065550102").whatsapp == "+12065550112"

    r = post(api, "name,phone,tags\nAna Lima,+12065550101,night\nDee,+12065550104,\n")
    assert r.json() == {"created": 1, "updated": 1}
    ana.refresh_from_db()
    assert ana.name == "Ana Lima" and [t.name for t in ana.tags.all()] == ["night"]
    assert ana.email == "ana@example.com"  # no email column: left as it was


def test_a_bad_line_fails_the_whole_file_naming_line_and_field(api):
    body = ("name,phone\nAna,+12065550101\nBen,+12065550102\nCy,not a phone\nDee,+12065550104\n")
    r = post(api, body)
    assert r.status_code == 400
    assert r.json()["errors"] == [{"line": 4, "field": "phone", "error": r.json()["errors"][0]["error"]}]
    assert "E.164" in r.json()["errors"][0]["error"]
    assert Contact.objects.count() == 0


def test_every_bad_line_is_named(api):
    r = post(api, "name,phone,email\n,+12065550101,\nBen,+12065550102,nope\nBen,+12065550102,\n")
    assert r.status_code == 400
    assert [(e["line"], e["field"]) for e in r.json()["errors"]] == [(2, "name"), (3, "email"), (4, "phone")]


def test_a_file_without_a_phone_column_is_a_400_on_the_header(api):
    r = post(api, "name,mobile\nAna,+12065550101\n")
    assert r.status_code == 400
    assert r.json()["errors"] == [{"line": 1, "field": "phone", "error": "The header has no 'phone' column."}]


def test_a_file_that_is_not_utf8_is_a_400(api):
    r = post(api, "name,phone\nAn\u00e9,+12065550101\n".encode("latin-1"))
    assert r.status_code == 400
    assert r.json()["errors"][0]["line"] == 2 and "UTF-8" in r.json()["errors"][0]["error"]
    assert Contact.objects.count() == 0


def test_national_numbers_use_the_default_region(api, settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    r = post(api, "name,phone\nAna,07700 900123\nBen,+1 (206) 555-0102\n")
    assert r.json() == {"created": 2, "updated": 0}
    assert set(Contact.objects.values_list("phone", flat=True)) == {"+447700900123", "+12065550102"}


def test_without_a_default_region_a_national_number_is_refused(api):
    r = post(api, "name,phone\nAna,07700 900123\n")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "phone"


def test_imported_contacts_get_their_number_type_offline(api):
    post(api, "name,phone\nMobile,+447911123456\nFixed,+442079460000\n")
    assert Contact.objects.get(name="Mobile").number_type == NumberType.MOBILE
    assert Contact.objects.get(name="Fixed").number_type == NumberType.LANDLINE


def test_the_import_needs_an_api_key(client):
    r = client.generic("POST", "/api/v1/contacts/import/", GOOD.encode(), content_type="text/csv")
    assert r.status_code in (401, 403)
