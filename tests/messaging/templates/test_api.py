"""POST/GET /api/v1/templates/ and /api/v1/topics/, and the contact's locale in the contacts API."""

from __future__ import annotations

import pytest

from messaging.api.keys import api_key_create
from messaging.models import Contact, Template, TemplateVariant, Topic

pytestmark = pytest.mark.django_db

VARIANTS = [{"channel": "sms", "body": "Hi {name}"}, {"channel": "sms", "locale": "es", "body": "Hola {name}"},
            {"channel": "email", "body": "Hi {name}", "subject": "News", "html": "<b>Hi {name}</b>"}]


def test_a_template_is_created_and_read_back(api):
    response = api.post("/api/v1/templates/", {"name": "news", "variants": VARIANTS}, format="json")

    assert response.status_code == 201, response.content
    tid = response.json()["id"]
    detail = api.get(f"/api/v1/templates/{tid}/").json()
    assert detail["name"] == "news"
    assert sorted((v["channel"], v["locale"], v["body"]) for v in detail["variants"]) == [
        ("email", "", "Hi {name}"), ("sms", "", "Hi {name}"), ("sms", "es", "Hola {name}")]
    assert [t["name"] for t in api.get("/api/v1/templates/").json()["results"]] == ["news"]


@pytest.mark.parametrize("variants,field", [
    ([{"channel": "sms", "body": "Hi {nombre}"}], "body"),
    ([{"channel": "email", "body": "x", "subject": "{oops}"}], "subject"),
    ([{"channel": "sms", "body": "Hi {name"}], "body"),
    ([{"channel": "sms", "locale": "español", "body": "Hola"}], "locale"),
    ([{"channel": "sms", "body": "a"}, {"channel": "sms", "body": "b"}], "locale"),
    ([{"channel": "fax", "body": "a"}], "channel"),
    ([{"channel": "sms", "body": "a", "subject": "s"}], "subject"),
])
def test_bad_variants_get_a_400_naming_the_field_and_nothing_is_saved(api, variants, field):
    response = api.post("/api/v1/templates/", {"name": "news", "variants": variants}, format="json")

    assert response.status_code == 400
    assert any(field in errors for errors in response.json()["variants"].values()), response.json()
    assert not Template.objects.exists() and not TemplateVariant.objects.exists()


@pytest.mark.parametrize("body", [{}, {"name": "x"}, {"name": "x", "variants": []}, {"name": "", "variants": VARIANTS},
                                  {"name": "x", "variants": "sms"}, [1, 2]])
def test_malformed_bodies_get_a_400(api, body):
    assert api.post("/api/v1/templates/", body, format="json").status_code == 400


def test_posting_the_same_name_again_replaces_its_variants(api):
    api.post("/api/v1/templates/", {"name": "news", "variants": VARIANTS}, format="json")
    again = api.post("/api/v1/templates/", {"name": "news", "variants": [{"channel": "sms", "body": "New"}]},
                     format="json")

    assert again.status_code == 200
    assert list(TemplateVariant.objects.values_list("body", flat=True)) == ["New"]


def test_unknown_template_is_a_404(api):
    assert api.get("/api/v1/templates/999/").status_code == 404


def test_writing_needs_the_messages_scope_and_reading_the_log_scope(client):
    _, log_key = api_key_create(name="reader", scopes=["log"])
    headers = {"HTTP_X_API_KEY": log_key}
    assert client.get("/api/v1/templates/", **headers).status_code == 200
    assert client.post("/api/v1/templates/", {"name": "n", "variants": VARIANTS}, content_type="application/json",
                       **headers).status_code == 403
    assert client.post("/api/v1/topics/", {"name": "news"}, content_type="application/json",
                       **headers).status_code == 403


def test_topics_are_created_once_by_name(api):
    first = api.post("/api/v1/topics/", {"name": "overtime offers"}, format="json")
    required = api.post("/api/v1/topics/", {"name": "incidents", "required": True}, format="json")
    again = api.post("/api/v1/topics/", {"name": "overtime offers"}, format="json")

    assert first.status_code == 201 and first.json()["required"] is False
    assert required.json()["required"] is True
    assert again.status_code == 400 and "name" in again.json()
    assert api.post("/api/v1/topics/", {"name": "x", "required": "maybe"}, format="json").status_code == 400
    assert Topic.objects.count() == 2


def test_a_contacts_locale_is_accepted_normalised_and_returned(api):
    response = api.post("/api/v1/contacts/", {"name": "Ana", "phone": "+12065550101", "locale": "es_mx"},
                        format="json")

    assert response.status_code == 201 and response.json()["locale"] == "es-MX"
    kept = api.post("/api/v1/contacts/", {"name": "Ana R", "phone": "+12065550101"}, format="json")
    assert kept.json()["locale"] == "es-MX"  # absent: left as it was
    bad = api.post("/api/v1/contacts/", {"name": "Ana", "phone": "+12065550101", "locale": "Spanish!"},
                   format="json")
    assert bad.status_code == 400 and "locale" in bad.json()
    assert Contact.objects.get().locale == "es-MX"


def test_the_contacts_csv_takes_a_locale_column(api):
    data = "name,phone,locale\nAna,+12065550101,es-AR\nBen,+12065550102,\n"
    response = api.post("/api/v1/contacts/import/", data, content_type="text/csv")

    assert response.status_code == 200, response.content
    assert dict(Contact.objects.values_list("name", "locale")) == {"Ana": "es-AR", "Ben": ""}
    bad = api.post("/api/v1/contacts/import/", "name,phone,locale\nCy,+12065550103,klingon language\n",
                   content_type="text/csv")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "locale"
