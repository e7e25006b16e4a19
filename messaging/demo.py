"""Messaging's own demo data for `make run`: contacts, their tags and the shifts allow-list.

Safe to run repeatedly. The whole demo is seeded by ``portal.demo``, which knows every app;
messaging knows only its own rows.
"""

from messaging.contacts import allow_list_add, contact_upsert

DEMO_CONTACTS = [
    ("Ana Duty Engineer", "+12065550101", "ana@example.com", ["gas-engineers", "overtime"]),
    ("Ben Standby Engineer", "+12065550102", "ben@example.com", ["gas-engineers", "overtime"]),
    ("Cleo Duty Manager", "+12065550103", "cleo@example.com", ["managers"]),
    ("Dev Warehouse", "+12065550104", "", ["overtime"]),
]


def demo_contacts_seed() -> None:
    for name, phone, email, tags in DEMO_CONTACTS:
        contact_upsert(name=name, phone=phone, email=email, tags=tags)
        if "overtime" in tags:
            allow_list_add(phone=phone, scope="shifts")
