"""Notification rules in the admin (a contact's page), and the demo engineers' rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from incidents.demo import LEVEL_PHONES
from messaging.models import Contact, NotificationRule
from portal.demo import demo_seed
from portal.roles import DISPATCHER
from tests.support.incidents import ANA

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher(client, django_user_model):
    user = django_user_model.objects.create_user("jo", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return client


def inline_post(contact: Contact, rules: list[tuple[str, int, str]]) -> dict:
    data = {"name": contact.name, "phone": contact.phone, "email": "", "whatsapp": "",
            "notification_rules-TOTAL_FORMS": str(len(rules)), "notification_rules-INITIAL_FORMS": "0",
            "notification_rules-MIN_NUM_FORMS": "0", "notification_rules-MAX_NUM_FORMS": "20", "_save": "Save"}
    for i, (method, after, urgency) in enumerate(rules):
        data.update({f"notification_rules-{i}-method": method, f"notification_rules-{i}-after_seconds": str(after),
                     f"notification_rules-{i}-urgency": urgency})
    return data


def test_a_dispatcher_edits_rules_on_the_contacts_page_and_reads_them_as_a_sentence(dispatcher):
    ana = Contact.objects.create(name="Ana", phone=ANA)
    url = f"/admin/messaging/contact/{ana.pk}/change/"
    response = dispatcher.post(url, inline_post(ana, [("sms", 0, "any"), ("voice", 120, "any"),
                                                      ("email", 600, "low")]), follow=True)
    assert response.status_code == 200
    assert [(r.method, r.after_seconds, r.urgency) for r in ana.notification_rules.all()] == [
        ("sms", 0, "any"), ("voice", 120, "any"), ("email", 600, "low")]
    page = dispatcher.get(url).content.decode()
    assert "SMS at once, call after 2 min, email after 10 min (low urgency)" in page
    assert "No rule fires at once" not in page
    listing = dispatcher.get("/admin/messaging/contact/").content.decode()
    assert "SMS at once, call after 2 min" in listing


def test_the_admin_warns_when_no_rule_fires_at_once(dispatcher):
    ana = Contact.objects.create(name="Ana", phone=ANA)
    url = f"/admin/messaging/contact/{ana.pk}/change/"
    response = dispatcher.post(url, inline_post(ana, [("voice", 300, "any")]), follow=True)
    assert "No rule fires at once" in response.content.decode()
    assert "No rule fires at once" in dispatcher.get(url).content.decode()


def test_a_bad_rule_in_the_admin_is_refused(dispatcher):
    ana = Contact.objects.create(name="Ana", phone=ANA)
    response = dispatcher.post(f"/admin/messaging/contact/{ana.pk}/change/", inline_post(ana, [("sms", -5, "any")]))
    assert response.status_code == 200  # the form again, with the error
    assert not NotificationRule.objects.exists()


def test_the_demo_engineers_get_sms_at_once_and_a_call_after_a_minute_once():
    demo_seed()
    for contact in Contact.objects.filter(phone__in=LEVEL_PHONES):
        contact.notification_rules.filter(method="voice").update(after_seconds=90)  # a person's own edit
    demo_seed()
    for phone in LEVEL_PHONES:
        rules = Contact.objects.get(phone=phone).notification_rules.all()
        assert [(r.method, r.after_seconds) for r in rules] == [("sms", 0), ("voice", 90)]
