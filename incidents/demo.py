"""Demo escalation policy for `make run`. Safe to run repeatedly; needs messaging's demo contacts.

Called by the composition root (portal), which seeds messaging first.
"""

from __future__ import annotations

from django.db import transaction

from incidents.models import EscalationLevel, EscalationPolicy, FinalAction
from messaging.models import Contact, NotificationRule, RuleMethod
from messaging.notification_rules import notification_rules_set
from oncall.models import Schedule

DEMO_POLICY = "Gas leak – east"
DEMO_ONCALL_POLICY = "Gas leak – east, on call"
DEMO_SCHEDULE = "East gas"
LEVEL_PHONES = ["+12065550101", "+12065550102"]
MANAGER_PHONE = "+12065550103"
# The engineers' own rules, so that `make run` shows a call ringing a minute after the SMS.
ENGINEER_RULES = [{"method": RuleMethod.SMS, "after_seconds": 0}, {"method": RuleMethod.VOICE, "after_seconds": 60}]


@transaction.atomic
def demo_seed() -> EscalationPolicy | None:
    contacts = {c.phone: c for c in Contact.objects.filter(phone__in=[*LEVEL_PHONES, MANAGER_PHONE])}
    if any(p not in contacts for p in [*LEVEL_PHONES, MANAGER_PHONE]):
        return None  # messaging's demo contacts are not there; nothing sensible to build
    for phone in LEVEL_PHONES:
        if not NotificationRule.objects.filter(contact=contacts[phone]).exists():  # never over a person's own
            notification_rules_set(contact=contacts[phone], rules=ENGINEER_RULES)
    policy, created = EscalationPolicy.objects.get_or_create(
        name=DEMO_POLICY, defaults={"final_action": FinalAction.SMS, "final_contact": contacts[MANAGER_PHONE]})
    if created:
        for position, phone in enumerate(LEVEL_PHONES, 1):
            level = EscalationLevel.objects.create(policy=policy, position=position, wait_seconds=60, reminders=1)
            level.contacts.set([contacts[phone]])
    schedule = Schedule.objects.filter(name=DEMO_SCHEDULE).first()
    if schedule is not None:
        # Whoever is on call first, then the duty manager.
        oncall, created = EscalationPolicy.objects.get_or_create(name=DEMO_ONCALL_POLICY)
        if created:
            EscalationLevel.objects.create(policy=oncall, position=1, schedule=schedule, wait_seconds=60, reminders=1)
            EscalationLevel.objects.create(policy=oncall, position=2, wait_seconds=60,
                                           reminders=1).contacts.set([contacts[MANAGER_PHONE]])
    return policy
