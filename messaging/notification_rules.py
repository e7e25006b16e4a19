"""A person's notification rules: written (API, admin), read for paging, and said in words.

The rules are messaging's (they belong to a Contact); incidents runs them (incidents/paging.py,
incidents/rules.py). A door (messaging.apps): incidents imports the read and the wording.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from messaging.models import Contact, NotificationRule, RuleMethod, RuleUrgency

# How a rule's method reads in a sentence ("call after 2 min").
_SAID = {RuleMethod.SMS: "SMS", RuleMethod.VOICE: "call", RuleMethod.WHATSAPP: "WhatsApp",
         RuleMethod.EMAIL: "email"}


def _after(seconds: int) -> str:
    if seconds == 0:
        return "at once"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return "after " + " ".join(p for p in parts if p)


def notification_rules_summary(rules: Iterable[NotificationRule]) -> str:
    """"SMS at once, call after 2 min, email after 10 min"; urgency named when it is not "any"."""
    said = []
    for rule in sorted(rules, key=lambda r: (r.after_seconds, r.method)):
        text = f"{_SAID.get(rule.method, rule.method)} {_after(rule.after_seconds)}"
        if rule.urgency != RuleUrgency.ANY:
            text += f" ({rule.urgency} urgency)"
        said.append(text)
    return ", ".join(said)


def notification_rules_warning(rules: Iterable[NotificationRule]) -> str:
    """Why a person might sleep through a page (GoAlert warns the same): rules, none at once."""
    rules = list(rules)
    if rules and not any(r.after_seconds == 0 for r in rules):
        return "No rule fires at once: this person hears nothing until the first rule's delay has passed."
    return ""


def notification_rules_for(*, contact_ids: Iterable[int]) -> dict[int, list[NotificationRule]]:
    """Each of these contacts' rules (with the contact, for its WhatsApp number); one query.
    A contact with no rules is absent: it is paged as before."""
    found: dict[int, list[NotificationRule]] = {}
    for rule in NotificationRule.objects.filter(contact_id__in=list(contact_ids)).select_related("contact"):
        found.setdefault(rule.contact_id, []).append(rule)
    return found


@transaction.atomic
def notification_rules_set(*, contact: Contact, rules: list[dict]) -> list[NotificationRule]:
    """Replace ``contact``'s rules with ``rules`` (each ``method``, ``after_seconds``, ``urgency``?,
    already checked by the API's serializer or the admin's form); an empty list removes them."""
    NotificationRule.objects.filter(contact=contact).delete()
    return NotificationRule.objects.bulk_create([
        NotificationRule(contact=contact, method=r["method"], after_seconds=r["after_seconds"],
                         urgency=r.get("urgency") or RuleUrgency.ANY) for r in rules])
