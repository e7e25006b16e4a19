"""``people``: the contacts the other sections name by phone, with their names and emails, so a
fresh portal knows who +12065550101 is, and how each wants to be paged: time zone, locale and
notification rules. Contacts are data as much as setup: this section makes and updates them, and
``--prune`` never deletes one. ``time_zone``, ``locale`` and ``rules`` left out of an entry are
left as they are (files from before they were here still apply as they did); ``rules: []``
removes a person's rules, ``time_zone: ''`` their zone."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError

from messaging.models import Contact, NotificationRule, RuleMethod, RuleUrgency
from messaging.notification_rules import notification_rules_set
from messaging.values import limits
from messaging.values.locales import LOCALE_MAX_LENGTH, locale_normalize
from portal.setup_as_code.config.base import NAME, PHONE, Context, check_phone, check_zone, duplicates

KEY = "people"
RULE = {"type": "object", "additionalProperties": False, "required": ["method", "after_seconds"],
        "properties": {"method": {"enum": RuleMethod.values},
                       "after_seconds": {"type": "integer", "minimum": 0, "maximum": limits.RULE_AFTER_SECONDS_MAX},
                       "urgency": {"enum": RuleUrgency.values, "default": "any"}}}
item_schema = {"type": "object", "additionalProperties": False, "required": ["phone", "name"],
               "properties": {"phone": PHONE, "name": NAME,
                              "email": {"type": "string", "maxLength": 254},
                              "time_zone": {"type": "string", "maxLength": 64,
                                            "description": "IANA, e.g. America/Chicago"},
                              "locale": {"type": "string", "maxLength": LOCALE_MAX_LENGTH,
                                         "description": "BCP 47 (es, es-MX): which template variant they get"},
                              "rules": {"type": "array", "items": RULE, "maxItems": limits.RULES_MAX,
                                        "description": "personal notification rules; [] removes them"}}}


def _rules_now(contact_ids) -> dict[int, list[dict]]:
    out = defaultdict(list)
    for cid, method, after, urgency in NotificationRule.objects.filter(contact_id__in=contact_ids).values_list(
            "contact_id", "method", "after_seconds", "urgency"):
        out[cid].append({"method": method, "after_seconds": after, "urgency": urgency})
    return {cid: _sorted(rules) for cid, rules in out.items()}


def _sorted(rules: list[dict]) -> list[dict]:
    full = [{"method": r["method"], "after_seconds": r["after_seconds"], "urgency": r.get("urgency", "any")}
            for r in rules]
    return sorted(full, key=lambda r: (r["after_seconds"], r["method"], r["urgency"]))


def export(ctx: Context, phones: set[str]) -> list[dict]:
    contacts = list(Contact.objects.filter(phone__in=phones).order_by("name", "phone"))
    rules = _rules_now([c.pk for c in contacts])
    out = []
    for c in contacts:
        item = {"phone": c.phone, "name": c.name}
        for field_name in ("email", "time_zone", "locale"):
            if getattr(c, field_name):
                item[field_name] = getattr(c, field_name)
        if c.pk in rules:
            item["rules"] = [{k: v for k, v in r.items() if not (k == "urgency" and v == RuleUrgency.ANY)}
                             for r in rules[c.pk]]
        out.append(item)
    return out


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items, "phone")
    for i, item in enumerate(items):
        check_phone(ctx, f"{KEY}[{i}].phone", item["phone"])
        if item.get("time_zone"):
            check_zone(ctx, f"{KEY}[{i}].time_zone", item["time_zone"])
        try:
            locale_normalize(item.get("locale", ""))
        except ValidationError as exc:
            ctx.error(f"{KEY}[{i}].locale", " ".join(exc.messages))


def apply(items: list[dict], ctx: Context) -> None:
    existing = {c.phone: c for c in Contact.objects.filter(phone__in=[i["phone"] for i in items])}
    changed = []
    for item in items:
        contact = existing.get(item["phone"])
        if contact is None:
            continue
        wanted = {"name": item["name"], "email": item.get("email", ""),
                  **{f: item[f] for f in ("time_zone", "locale") if f in item}}
        if "locale" in wanted:
            wanted["locale"] = locale_normalize(wanted["locale"])
        if any(getattr(contact, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(contact, k, v)
            contact.updated_at = ctx.now
            contact.full_clean(validate_unique=False)
            changed.append(contact)
            ctx.change("update", "contact", item["phone"], item["name"])
    Contact.objects.bulk_update(changed, ["name", "email", "time_zone", "locale", "updated_at"], batch_size=500)
    # The rest are made in one INSERT, and the later sections find them all here.
    contacts = ctx.contacts([i["phone"] for i in items], names={i["phone"]: (i["name"], i.get("email", ""))
                                                                for i in items})
    for item in items:  # the new ones' zones and locales (rare in a first file: one UPDATE each)
        fields = {f: item[f] for f in ("time_zone", "locale") if item.get(f)}
        if item["phone"] not in existing and fields:
            fields["locale"] = locale_normalize(fields.get("locale", ""))
            Contact.objects.filter(pk=contacts[item["phone"]].pk).update(**fields)
    _rules(items, contacts, ctx)


def _rules(items: list[dict], contacts: dict[str, Contact], ctx: Context) -> None:
    with_rules = [i for i in items if "rules" in i]
    have = _rules_now([contacts[i["phone"]].pk for i in with_rules])
    for item in with_rules:
        contact = contacts[item["phone"]]
        if have.get(contact.pk, []) != _sorted(item["rules"]):
            notification_rules_set(contact=contact, rules=item["rules"])
            ctx.change("update", "contact", item["phone"], f"{len(item['rules'])} notification rules")


def prune(items: list[dict], ctx: Context) -> None:
    return None
