"""Helpers for the incident tests: the people paged, replies as AWS sends them, a controlled clock.

Plain functions and constants, imported by tests/incidents/ and tests/browser/test_incidents.py;
the fixtures that build on them (``people``, ``policy_factory``) stay in tests/incidents/conftest.py.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from incidents.models import Incident, IncidentEvent
from messaging.inbound.router import inbound_sms_receive
from messaging.models import InboundSms, OutboundMessage
from messaging.scheduling.timers import timers_fire_due
from tests.support.aws import INBOUND_TWO_WAY_SMS, example

ANA, BEN, CLEO, DEV = "+12065550101", "+12065550102", "+12065550103", "+12065550104"
STRANGER = "+12065559999"
_ids = itertools.count()


def two_way_sms(phone: str, body: str, previous: str = "") -> dict:
    """AWS's two-way SMS example (tests.support.aws) as ``phone`` would send ``body``, with a fresh id."""
    return example(INBOUND_TWO_WAY_SMS, originationNumber=phone,
                   messageKeyword=(body.split() or [""])[0].upper(), messageBody=body,
                   inboundMessageId=f"in-{next(_ids)}-{phone}", previousPublishedMessageId=previous)


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
