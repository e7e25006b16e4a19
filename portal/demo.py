"""A little demo data for `make run`, so the first page is not empty. Safe to run repeatedly.

Seeded in the order the apps depend on each other: messaging's contacts first, then the on-call
rota, then the incidents' escalation policies (built from those), then the shifts. Then a month of
history, in the same order, so the first report a newcomer opens has thirty days in it; each
app's history seed does nothing once that app has rows of its own, so a real site is left alone.
"""

from incidents.demo import demo_seed as incidents_demo_seed
from incidents.demo_history import demo_incident_history_seed
from messaging.demo import demo_contacts_seed
from messaging.demo_history import demo_message_history_seed
from oncall.demo import demo_seed as oncall_demo_seed
from shifts.demo import demo_seed as shifts_demo_seed
from shifts.demo_history import demo_campaign_history_seed


def demo_seed() -> None:
    demo_contacts_seed()
    oncall_demo_seed()
    incidents_demo_seed()
    shifts_demo_seed()
    demo_history_seed()


def demo_history_seed() -> None:
    demo_message_history_seed()
    demo_incident_history_seed()
    demo_campaign_history_seed()
