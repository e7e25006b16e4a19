"""Campaign messages with placeholders from the contact: each person gets their own name."""

import pytest

from messaging.models import OutboundMessage
from shifts.models import ShiftCampaign
from tests.support.shifts import replies_to

pytestmark = pytest.mark.django_db


def test_each_recipient_gets_their_own_name(api, employees):
    ana, ben = employees(2)
    r = api.post("/api/v1/shift-campaigns/", {"name": "Weekend", "tag": "overtime",
                                              "message": "Hi {name}, shift XYZ1 is open. Reply XYZ1."},
                 format="json")
    assert r.status_code == 201 and r.json()["recipients"] == 2
    assert replies_to(ana) == ["Hi Employee 1, shift XYZ1 is open. Reply XYZ1."]
    assert replies_to(ben) == ["Hi Employee 2, shift XYZ1 is open. Reply XYZ1."]


def test_an_unknown_placeholder_is_a_400_and_nothing_is_sent(api, employees):
    employees(2)
    r = api.post("/api/v1/shift-campaigns/", {"name": "Weekend", "tag": "overtime",
                                              "message": "Hi {name}, your {foo} is ready."}, format="json")
    assert r.status_code == 400
    assert "{foo}" in str(r.json()["message"])
    assert OutboundMessage.objects.count() == 0 and ShiftCampaign.objects.count() == 0


@pytest.mark.parametrize("message", ["Hi {name", "Hi {name.__class__}", "Hi {0}", "Hi {name!r}"])
def test_a_malformed_placeholder_is_a_400(api, employees, message):
    employees(1)
    r = api.post("/api/v1/shift-campaigns/", {"name": "W", "tag": "overtime", "message": message}, format="json")
    assert r.status_code == 400 and "message" in r.json()
    assert OutboundMessage.objects.count() == 0


def test_doubled_braces_are_literal_braces(api, employees):
    [ana] = employees(1)
    api.post("/api/v1/shift-campaigns/", {"name": "W", "tag": "overtime", "message": "Code {{A1}} for {first_name}"},
             format="json")
    assert replies_to(ana) == ["Code {A1} for Employee"]


@pytest.fixture
def manager(client, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("mgr", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="shift manager"))
    client.force_login(user)
    return client


def test_the_composer_shows_personal_examples_and_the_longest_part_count(manager, employees):
    employees(2)
    from messaging.models import Tag

    tag = Tag.objects.get(name="overtime")
    r = manager.post("/admin/shifts/shiftcampaign/add/", {"name": "Sat", "tag": tag.pk,
                                                          "message": "Hi {first_name}, shift A1 is open."})
    campaign = ShiftCampaign.objects.get()
    page = manager.get(r.url).content.decode()
    assert "+12065550200</b>: Hi Employee, shift A1 is open." in page and "1 SMS part" in page
    assert campaign.pk and OutboundMessage.objects.count() == 0


def test_the_composer_refuses_an_unknown_placeholder_as_a_form_error(manager, employees):
    employees(1)
    from messaging.models import Tag

    r = manager.post("/admin/shifts/shiftcampaign/add/", {"name": "Sat", "tag": Tag.objects.get().pk,
                                                          "message": "Hi {nmae}"})
    assert r.status_code == 200 and "Unknown placeholder(s): {nmae}" in r.content.decode()
    assert ShiftCampaign.objects.count() == 0


def test_braces_in_a_shift_listed_by_the_default_message_reach_people_as_written(api, employees):
    [ana] = employees(1)
    api.post("/api/v1/shifts/", {"code": "BR1", "info": "Room {B}"}, format="json")
    r = api.post("/api/v1/shift-campaigns/", {"name": "W", "tag": "overtime", "shifts": ["BR1"]}, format="json")
    assert r.status_code == 201
    [body] = replies_to(ana)
    assert "Room {B}" in body and "{{" not in body
