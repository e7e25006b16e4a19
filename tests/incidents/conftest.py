"""Incident test helpers: people to page, a controlled clock, and replies as AWS sends them."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from incidents.models import EscalationLevel, EscalationPolicy, Incident, IncidentEvent
from messaging.inbound import inbound_sms_receive
from messaging.models import Contact, InboundSms, OutboundMessage
from messaging.timers import timers_fire_due
from tests.messaging.inbound.conftest import no_network, post_sns, sns_certs  # noqa: F401

ANA, BEN, CLEO, DEV = "+12065550101", "+12065550102", "+12065550103", "+12065550104"
STRANGER = "+12065559999"
_ids = itertools.count()


@pytest.fixture
def people(db):
    return {phone: Contact.objects.create(name=name, phone=phone, email=f"{name.lower()}@example.com")
            for name, phone in [("Ana", ANA), ("Ben", BEN), ("Cleo", CLEO), ("Dev", DEV)]}


def two_way_sms(phone: str, body: str, previous: str = "") -> dict:
    """The AWS two-way SMS JSON (https://docs.aws.amazon.com/sms-voice/latest/userguide/two-way-sms-payload.html)."""
    return {"originationNumber": phone, "destinationNumber": "+12125550101",
            "messageKeyword": (body.split() or [""])[0].upper(), "messageBody": body,
            "inboundMessageId": f"in-{next(_ids)}-{phone}", "previousPublishedMessageId": previous}


def reply(phone: str, body: str, previous: str = "") -> InboundSms:
    return inbound_sms_receive(payload=two_way_sms(phone, body, previous))


def at(incident: Incident, seconds: float) -> int:
    """Advance the controlled clock to ``seconds`` after the incident opened; fire what is due."""
    return timers_fire_due(now=incident.created_at + timedelta(seconds=seconds))


def sms_to(phone: str, incident: Incident | None = None) -> list[str]:
    qs = OutboundMessage.objects.filter(recipient=phone, channel="sms").order_by("id")
    if incident is not None:
        qs = qs.filter(owner_id=incident.pk)
    return list(qs.values_list("body", flat=True))


def timeline(incident: Incident) -> list[tuple[str, str | None]]:
    return [(e.kind, e.contact.phone if e.contact else None)
            for e in IncidentEvent.objects.filter(incident=incident).select_related("contact").order_by("at", "id")]


@pytest.fixture
def policy_factory(people):
    def make(levels, *, name="Gas leak", repeat=0, final_action="none", final_contact=None):
        policy = EscalationPolicy.objects.create(name=name, repeat=repeat, final_action=final_action,
                                                 final_contact=people.get(final_contact))
        for position, spec in enumerate(levels, 1):
            phones, wait, reminders, voice = spec
            level = EscalationLevel.objects.create(policy=policy, position=position, wait_seconds=wait,
                                                   reminders=reminders, voice=voice)
            level.contacts.set([people[p] for p in phones])
        return policy
    return make
