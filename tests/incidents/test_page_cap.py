"""The cap on noise: PAGE_CAP_PER_NUMBER pages per number in any 15 minutes, then one summary SMS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from incidents.models import EscalationLevel, EscalationPolicy, EventKind, Incident, IncidentStatus, PageCapNumber
from incidents.page_cap import page_cap_admit, page_cap_lock
from incidents.services import incident_open
from messaging.models import Contact, NotificationRule, OutboundMessage, Timer, TimerState
from messaging.scheduling.timers import timers_fire_due
from tests.support.incidents import ANA, BEN, reply, sms_to
from tests.support.threads import together

SUMMARY = "incidents.tasks.page_cap_summary_fire"


def open_four(contact: Contact) -> list[Incident]:
    return [incident_open(description=f"Disk full on db-{i}", contacts=[contact], wait_seconds=600, reminders=0)
            for i in range(1, 5)]


def refreshed(incident: Incident) -> Incident:
    incident.refresh_from_db()
    return incident


@pytest.mark.django_db
def test_four_incidents_at_a_cap_of_two_make_two_pages_and_one_summary_naming_the_others(people, settings):
    settings.PAGE_CAP_PER_NUMBER = 2
    incidents = open_four(people[ANA])
    first, second, third, fourth = incidents
    assert [len(sms_to(ANA, i)) for i in incidents] == [1, 1, 0, 0]
    for held in (third, fourth):
        event = held.events.get(kind=EventKind.HELD)
        assert event.contact.phone == ANA and "held by the page cap" in event.note
        assert refreshed(held).level == 1 and held.status == IncidentStatus.NOT_ACKNOWLEDGED  # counted as paged
    [timer] = Timer.objects.filter(callback=SUMMARY)
    assert timer.state == TimerState.PENDING and "page cap summary" in timer.label

    assert timers_fire_due(now=timer.due_at) == 1
    pages = OutboundMessage.objects.filter(recipient=ANA, channel="sms").order_by("id")
    assert pages.count() == 3
    summary = pages.last().body
    assert f"#{third.reference} Disk full on db-3" in summary and f"#{fourth.reference} Disk full on db-4" in summary
    assert f"#{first.reference} " not in summary and f"#{second.reference} " not in summary
    assert "YES" in summary
    for held in (third, fourth):
        assert held.events.filter(kind=EventKind.NOTIFIED, message__body=summary).exists()

    reply(ANA, f"YES {third.reference}")  # a held incident is answered like any other
    assert refreshed(third).status == IncidentStatus.ACKNOWLEDGED


@pytest.mark.django_db
def test_a_yes_for_a_held_page_counts_before_the_summary_goes(people, settings):
    settings.PAGE_CAP_PER_NUMBER = 1
    incident_open(description="one", contacts=[people[ANA]], wait_seconds=600, reminders=0)
    held = incident_open(description="two", contacts=[people[ANA]], wait_seconds=600, reminders=0)
    reply(ANA, f"YES {held.reference}")
    assert refreshed(held).status == IncidentStatus.ACKNOWLEDGED


@pytest.mark.django_db
def test_at_most_one_summary_per_15_minutes_and_rule_firings_count_too(people, settings):
    settings.PAGE_CAP_PER_NUMBER = 2
    NotificationRule.objects.create(contact=people[ANA], method="sms", after_seconds=0)
    NotificationRule.objects.create(contact=people[ANA], method="voice", after_seconds=0)
    a = incident_open(description="a", contacts=[people[ANA]], wait_seconds=600, reminders=0)
    assert OutboundMessage.objects.filter(recipient=ANA).count() == 2  # SMS and call: the cap is full
    b = incident_open(description="b", contacts=[people[ANA]], wait_seconds=600, reminders=0)
    assert b.events.filter(kind=EventKind.HELD).count() == 2
    [timer] = Timer.objects.filter(callback=SUMMARY)
    timers_fire_due(now=timer.due_at)
    number = PageCapNumber.objects.get(phone=ANA)
    c = incident_open(description="c", contacts=[people[ANA]], wait_seconds=600, reminders=0)
    assert c.events.filter(kind=EventKind.HELD).exists()
    later = Timer.objects.filter(callback=SUMMARY, state=TimerState.PENDING).get()
    assert later.due_at == number.summary_sent_at + timedelta(minutes=15)
    assert a.pk != b.pk


@pytest.mark.django_db
def test_the_window_rolls(people, settings):
    settings.PAGE_CAP_PER_NUMBER = 2
    incident = incident_open(description="a", contacts=[people[BEN]], wait_seconds=600, reminders=0)
    t0 = incident.created_at + timedelta(hours=1)
    with transaction.atomic():
        rows = page_cap_lock(phones=[ANA])
        admitted = [page_cap_admit(rows=rows, incident=incident, phone=ANA, now=t0 + timedelta(seconds=s))
                    for s in (0, 60, 120, 899, 901, 961)]
    assert admitted == [True, True, False, False, True, True]


@pytest.mark.django_db
def test_no_cap_when_set_to_zero(people, settings):
    settings.PAGE_CAP_PER_NUMBER = 0
    incidents = open_four(people[ANA])
    assert [len(sms_to(ANA, i)) for i in incidents] == [1, 1, 1, 1]
    assert not PageCapNumber.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_workers_paging_one_number_at_once_send_exactly_the_cap(settings):
    settings.PAGE_CAP_PER_NUMBER = 3
    ana = Contact.objects.create(name="Ana", phone=ANA)
    ben = Contact.objects.create(name="Ben", phone=BEN)
    policy = EscalationPolicy.objects.create(name="both")
    EscalationLevel.objects.create(policy=policy, wait_seconds=600, reminders=0).contacts.set([ben, ana])

    def page(i):
        # One level pages both numbers: each transaction locks both rows, in one order.
        return incident_open(description=f"leak {i}", policy=policy).pk

    for _ in range(2):
        together(*[lambda i=i: page(i) for i in range(8)])
    assert OutboundMessage.objects.filter(recipient=ANA, channel="sms").count() == 3
    assert OutboundMessage.objects.filter(recipient=BEN, channel="sms").count() == 3
    assert Timer.objects.filter(callback=SUMMARY).count() == 2  # one summary per number
