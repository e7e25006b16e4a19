"""A little demo data for `make run`, so the first page is not empty. Safe to run repeatedly."""

from messaging.contacts import allow_list_add, contact_upsert

DEMO_CONTACTS = [
    ("Ana Duty Engineer", "+12065550101", "ana@example.com", ["gas-engineers", "overtime"]),
    ("Ben Standby Engineer", "+12065550102", "ben@example.com", ["gas-engineers", "overtime"]),
    ("Cleo Duty Manager", "+12065550103", "cleo@example.com", ["managers"]),
    ("Dev Warehouse", "+12065550104", "", ["overtime"]),
]


def demo_seed() -> None:
    for name, phone, email, tags in DEMO_CONTACTS:
        contact, _ = contact_upsert(name=name, phone=phone, email=email, tags=tags)
        if "overtime" in tags:
            allow_list_add(phone=phone, scope="shifts")
    for path in ("incidents.demo.demo_seed", "shifts.demo.demo_seed"):
        try:
            from django.utils.module_loading import import_string

            import_string(path)()
        except ImportError:
            continue  # that feature has no demo data yet
