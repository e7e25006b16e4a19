"""A little demo data for `make run`, so the first page is not empty. Safe to run repeatedly.

Seeded in the order the apps depend on each other: messaging's contacts first, then the on-call
rota, then the incidents' escalation policies (built from those), then the shifts.
"""

from incidents.demo import demo_seed as incidents_demo_seed
from messaging.demo import demo_contacts_seed
from oncall.demo import demo_seed as oncall_demo_seed
from shifts.demo import demo_seed as shifts_demo_seed


def demo_seed() -> None:
    demo_contacts_seed()
    oncall_demo_seed()
    incidents_demo_seed()
    shifts_demo_seed()
