"""A responder whose contact says es (or es-MX) gets the page, the reminder and the call in Spanish;
everyone else keeps today's English wording."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from messaging.models import OutboundMessage
from tests.support.incidents import ANA, BEN, at, sms_to

pytestmark = pytest.mark.django_db


def test_a_spanish_contact_is_paged_and_reminded_in_spanish_and_an_english_one_in_english(api):
    assert api.post("/api/v1/contacts/", {"name": "Ana", "phone": ANA, "locale": "es-MX"},
                    format="json").status_code == 201
    api.post("/api/v1/contacts/", {"name": "Ben", "phone": BEN}, format="json")

    response = api.post("/api/v1/incidents/", {"description": "Gas leak at 5 Main St", "contacts": [ANA, BEN],
                                               "wait_seconds": 30, "reminders": 1}, format="json")
    incident = Incident.objects.get(pk=response.json()["id"])
    ref = incident.reference
    at(incident, 31)
    at(incident, 62)

    assert sms_to(ANA, incident) == [
        f"[#{ref}] Gas leak at 5 Main St\nResponda YES {ref} para aceptar, NO {ref} para rechazar",
        f"[#{ref}] Recordatorio: Gas leak at 5 Main St\nResponda YES {ref} para aceptar, NO {ref} para rechazar"]
    assert sms_to(BEN, incident)[0] == f"[#{ref}] Gas leak at 5 Main St\nReply YES {ref} to accept, NO {ref} to decline"


def test_an_operator_rewording_the_spanish_page_is_used_at_the_next_page(api):
    api.post("/api/v1/contacts/", {"name": "Ana", "phone": ANA, "locale": "es"}, format="json")
    saved = api.post("/api/v1/templates/", {"name": "incident.page", "variants": [
        {"channel": "sms", "locale": "es", "body": "URGENTE #{ref}: {description}. Responda YES {ref}."}]},
        format="json")
    assert saved.status_code == 201, saved.content

    response = api.post("/api/v1/incidents/", {"description": "Fuga", "contacts": [ANA]}, format="json")

    ref = response.json()["id"]
    assert OutboundMessage.objects.get(recipient=ANA).body == f"URGENTE #{ref}: Fuga. Responda YES {ref}."


def test_an_incident_opened_before_locales_existed_pages_in_the_default_wording(api):
    """Snapshots taken before this change have no locale: the default variant, as before."""
    api.post("/api/v1/contacts/", {"name": "Ana", "phone": ANA, "locale": "es"}, format="json")
    response = api.post("/api/v1/incidents/", {"description": "Leak", "contacts": [ANA], "wait_seconds": 30,
                                               "reminders": 1}, format="json")
    incident = Incident.objects.get(pk=response.json()["id"])
    for level in incident.snapshot["levels"]:
        for contact in level["contacts"]:
            contact.pop("locale")
    incident.save(update_fields=["snapshot"])

    at(incident, 31)

    assert sms_to(ANA, incident)[-1].startswith(f"[#{incident.reference}] Reminder: Leak")
