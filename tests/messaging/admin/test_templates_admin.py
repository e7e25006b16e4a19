"""Templates in the admin: an unknown placeholder is an error before saving, and the change page
previews each variant for a chosen contact with its SMS part count and the UCS-2 warning."""

from __future__ import annotations

import pytest

from messaging.models import Contact, Template
from messaging.templates.services import template_save
from portal.roles import SHIFT_MANAGER
from tests.support.staff import staff

pytestmark = pytest.mark.django_db
ADD = "/admin/messaging/template/add/"


def form(name: str, *variants: dict) -> dict:
    data = {"name": name, "description": "", "placeholders": "[]",
            "variants-TOTAL_FORMS": str(len(variants)), "variants-INITIAL_FORMS": "0",
            "variants-MIN_NUM_FORMS": "0", "variants-MAX_NUM_FORMS": "1000"}
    for i, v in enumerate(variants):
        for field in ("channel", "locale", "subject", "body", "html", "whatsapp_template", "whatsapp_language"):
            data[f"variants-{i}-{field}"] = v.get(field, "")
        data[f"variants-{i}-whatsapp_parameters"] = "[]"
    return data


def test_an_unknown_placeholder_is_an_error_on_the_form_and_nothing_is_saved(client, django_user_model):
    staff(client, django_user_model, SHIFT_MANAGER)

    response = client.post(ADD, form("offer", {"channel": "sms", "body": "Hi {name}"},
                                     {"channel": "sms", "locale": "es", "body": "Hola {nombre}"}))

    assert response.status_code == 200
    assert "Unknown placeholder(s): {nombre}" in response.content.decode()
    assert not Template.objects.exists()


def test_a_good_template_is_saved_with_its_variants(client, django_user_model):
    staff(client, django_user_model, SHIFT_MANAGER)

    response = client.post(ADD, form("offer", {"channel": "sms", "body": "Hi {name}"},
                                     {"channel": "sms", "locale": "ES-mx", "body": "Hola {name}"}))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(Template.objects.get().variants.values_list("locale", flat=True)) == ["", "es-MX"]


def test_the_preview_renders_each_variant_for_the_chosen_contact_with_its_sms_cost(client, django_user_model):
    staff(client, django_user_model, SHIFT_MANAGER)
    ana = Contact.objects.create(name="Ana Ruiz", phone="+12065550101", locale="es")
    template = template_save(name="offer", variants=[
        {"channel": "sms", "body": "Hi {first_name}, shifts are open"},
        {"channel": "sms", "locale": "es", "body": "Hola {first_name}, ¿trabajas el sábado? 🙂"}])[0]

    page = client.get(f"/admin/messaging/template/{template.pk}/change/?contact={ana.pk}").content.decode()

    assert "Hi Ana, shifts are open" in page and "1 part, GSM-7" in page
    assert "Hola Ana, ¿trabajas el sábado? 🙂" in page
    assert "UCS-2 because of" in page and "70 characters a part" in page
