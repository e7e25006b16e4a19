"""Incident fixtures: the people to page and policies built from them (helpers: tests/support/incidents.py)."""

from __future__ import annotations

import pytest

from incidents.models import EscalationLevel, EscalationPolicy
from messaging.models import Contact
from tests.support.incidents import ANA, BEN, CLEO, DEV


@pytest.fixture
def people(db):
    return {phone: Contact.objects.create(name=name, phone=phone, email=f"{name.lower()}@example.com")
            for name, phone in [("Ana", ANA), ("Ben", BEN), ("Cleo", CLEO), ("Dev", DEV)]}


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
