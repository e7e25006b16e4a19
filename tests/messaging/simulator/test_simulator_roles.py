"""The simulator acts as the role an action belongs to: texting as a phone must not let a shift
manager acknowledge or resolve an incident, nor a dispatcher book a shift. A refused reply is a
403 that says why and leaves nothing behind: no inbound row, no state change, no answer sent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import Incident, IncidentStatus
from incidents.services import incident_open
from messaging.contacts import allow_list_add, contact_upsert
from messaging.models import InboundSms, OutboundMessage, SnsNotification
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER
from shifts.models import Shift, ShiftStatus

pytestmark = pytest.mark.django_db

ANA = "+12065550171"  # paged for an incident
EMPLOYEE = "+12065550172"  # on the shifts allow-list


@pytest.fixture
def login(client, django_user_model):
    def as_role(role: str):
        if role == "superuser":
            user = django_user_model.objects.create_superuser("root", password="pw-for-tests-123")
        else:
            user = django_user_model.objects.create_user(role.replace(" ", "-"), password="pw-for-tests-123",
                                                         is_staff=True)
            user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        return client

    return as_role


@pytest.fixture
def incident(run):
    ana, _ = contact_upsert(name="Ana", phone=ANA)
    return run(incident_open, description="Gas leak on Main St", contacts=[ana], wait_seconds=300, reminders=0)


@pytest.fixture
def shift(db):
    contact_upsert(name="Emp", phone=EMPLOYEE)
    allow_list_add(phone=EMPLOYEE, scope="shifts")
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    return Shift.objects.create(code="NIGHT7", info="Night ward", starts_at=start, ends_at=start + timedelta(hours=8))


def reply_as(client, run, phone: str, body: str):
    return run(client.post, "/simulator/api/reply/", data=json.dumps({"phone": phone, "body": body}),
               content_type="application/json")


def _traces() -> tuple[int, int, int]:
    return InboundSms.objects.count(), SnsNotification.objects.count(), OutboundMessage.objects.count()


@pytest.mark.parametrize("body", ["YES", "RESOLVE"])
def test_a_shift_manager_cannot_acknowledge_or_resolve_an_incident_as_the_paged_phone(login, run, incident,
                                                                                      body):
    c = login(SHIFT_MANAGER)
    before = _traces()
    r = reply_as(c, run, ANA, body)
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert "incident_reply_handler" in detail and "Can change incident" in detail
    assert "Nothing was recorded or sent" in detail
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NOT_ACKNOWLEDGED and incident.acknowledged_by is None
    assert _traces() == before


def test_a_dispatcher_can_and_the_incident_is_acknowledged(login, run, incident):
    c = login(DISPATCHER)
    r = reply_as(c, run, ANA, "YES")
    assert r.status_code == 200 and r.json()["handled_by"] == "incidents.inbound.incident_reply_handler"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED


def test_a_dispatcher_cannot_book_a_shift_as_an_employee(login, run, shift):
    c = login(DISPATCHER)
    before = _traces()
    r = reply_as(c, run, EMPLOYEE, "NIGHT7")
    assert r.status_code == 403
    assert "shift_command_handler" in r.json()["detail"] and "Can change shift" in r.json()["detail"]
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.AVAILABLE and shift.booked_phone == ""
    assert _traces() == before


def test_a_shift_manager_can_and_the_shift_is_booked(login, run, shift):
    c = login(SHIFT_MANAGER)
    r = reply_as(c, run, EMPLOYEE, "NIGHT7")
    assert r.status_code == 200
    shift.refresh_from_db()
    assert shift.booked_phone == EMPLOYEE


def test_a_superuser_does_both(login, run, incident, shift):
    c = login("superuser")
    assert reply_as(c, run, ANA, "YES").status_code == 200
    assert reply_as(c, run, EMPLOYEE, "NIGHT7").status_code == 200
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.ACKNOWLEDGED
    assert Shift.objects.get(pk=shift.pk).booked_phone == EMPLOYEE


@pytest.mark.parametrize("role", [DISPATCHER, SHIFT_MANAGER])
def test_what_belongs_to_the_phone_itself_needs_no_role(login, run, incident, role):
    # STOP is the owner's choice, and text no handler takes acts on nothing.
    c = login(role)
    assert reply_as(c, run, "+12065550179", "hello?").status_code == 200
    assert reply_as(c, run, ANA, "STOP").status_code == 200


def test_an_analyst_still_cannot_act_at_all(login, run, incident):
    r = reply_as(login(ANALYST), run, ANA, "YES")
    assert r.status_code == 403 and "not act as a phone" in r.json()["detail"]
