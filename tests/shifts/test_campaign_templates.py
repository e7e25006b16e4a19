"""A shift campaign may name a template (each contact gets their language's variant) and a topic
(contacts who opted out of it by SMS get nothing)."""

from __future__ import annotations

import pytest

from messaging.models import Contact, OutboundMessage, Topic
from messaging.templates.services import template_save
from messaging.topics.preferences import preference_set

pytestmark = pytest.mark.django_db

OFFER = [{"channel": "sms", "body": "Hi {first_name}, overtime is open. Reply REQUEST."},
         {"channel": "sms", "locale": "es", "body": "Hola {first_name}, hay horas extra. Responda REQUEST."}]


def test_a_campaign_through_a_template_speaks_each_contacts_language(api, employees):
    phones = employees(3)
    Contact.objects.filter(phone=phones[0]).update(locale="es-MX")
    Contact.objects.filter(phone=phones[1]).update(locale="fr")
    template_save(name="overtime offer", variants=OFFER)

    r = api.post("/api/v1/shift-campaigns/", {"name": "Weekend", "template": "overtime offer", "tag": "overtime"},
                 format="json")

    assert r.status_code == 201, r.content
    assert r.json()["recipients"] == 3
    bodies = dict(OutboundMessage.objects.values_list("recipient", "body"))
    assert bodies == {phones[0]: "Hola Employee, hay horas extra. Responda REQUEST.",
                      phones[1]: "Hi Employee, overtime is open. Reply REQUEST.",
                      phones[2]: "Hi Employee, overtime is open. Reply REQUEST."}


def test_a_campaign_with_a_topic_skips_who_opted_out_of_it_by_sms(api, employees):
    phones = employees(3)
    topic = Topic.objects.create(name="overtime offers")
    preference_set(contact=Contact.objects.get(phone=phones[1]), topic=topic, channel="sms", allowed=False)
    preference_set(contact=Contact.objects.get(phone=phones[2]), topic=topic, channel="email", allowed=False)

    r = api.post("/api/v1/shift-campaigns/", {"name": "Weekend", "message": "Overtime open, reply REQUEST.",
                                              "tag": "overtime", "topic": "overtime offers"}, format="json")

    assert r.status_code == 201 and r.json()["recipients"] == 2
    assert sorted(OutboundMessage.objects.values_list("recipient", flat=True)) == [phones[0], phones[2]]


@pytest.mark.parametrize("body,field", [
    ({"template": "nope"}, "template"),
    ({"template": "overtime offer", "message": "both"}, "template"),
    ({"topic": "nope", "message": "x"}, "topic"),
    ({"template": "with a column"}, "template"),
])
def test_a_bad_template_or_topic_is_a_400_and_sends_nothing(api, employees, body, field):
    employees(1)
    template_save(name="overtime offer", variants=OFFER)
    template_save(name="with a column", placeholders=["shift"], variants=[{"channel": "sms", "body": "{shift}"}])

    r = api.post("/api/v1/shift-campaigns/", {"name": "W", "tag": "overtime", **body}, format="json")

    assert r.status_code == 400 and field in r.json(), r.content
    assert not OutboundMessage.objects.exists()
