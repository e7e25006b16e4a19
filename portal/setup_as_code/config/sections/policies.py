"""``policies``: escalation policies, their levels by schedule name and by phone, and repeats."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import ProtectedError

from incidents.models import EscalationLevel, EscalationPolicy, FinalAction, Urgency
from oncall.models import Schedule
from portal.setup_as_code.config.base import NAME, PHONE, Context, check_phone, duplicates

KEY = "policies"
LEVEL = {
    "type": "object", "additionalProperties": False, "required": ["wait_seconds"],
    "properties": {
        "contacts": {"type": "array", "items": PHONE, "maxItems": 100},
        "schedule": {"type": ["string", "null"], "maxLength": 200, "description": "a schedule's name"},
        "wait_seconds": {"type": "integer", "minimum": 1, "maximum": 24 * 3600},
        "reminders": {"type": "integer", "minimum": 0, "maximum": 100, "default": 1},
        "voice": {"type": "boolean", "default": False},
        "ack_all": {"type": "boolean", "default": False,
                    "description": "acknowledged only once everyone on the level has"},
    },
}
item_schema = {
    "type": "object", "additionalProperties": False, "required": ["name", "levels"],
    "properties": {
        "name": NAME,
        "urgency": {"enum": [c.value for c in Urgency], "default": "high"},
        "repeat": {"type": "integer", "minimum": 0, "maximum": 20, "default": 0},
        "final_action": {"enum": [c.value for c in FinalAction], "default": "none"},
        "final_contact": {"oneOf": [PHONE, {"type": "null"}]},
        "levels": {"type": "array", "items": LEVEL, "minItems": 1, "maxItems": 20},
    },
}


def _level(contacts: list[str], schedule: str | None, wait: int, reminders: int, voice: bool,
           ack_all: bool) -> dict:
    level = {"contacts": contacts, "schedule": schedule, "wait_seconds": wait, "reminders": reminders, "voice": voice}
    if ack_all:  # written only when set, so files from before it still read as they did
        level["ack_all"] = True
    return level


def _levels_now(policy_ids) -> dict[int, list[dict]]:
    phones = defaultdict(list)
    through = EscalationLevel.contacts.through
    for level_id, phone in through.objects.filter(escalationlevel__policy_id__in=policy_ids).values_list(
            "escalationlevel_id", "contact__phone"):
        phones[level_id].append(phone)
    out = defaultdict(list)
    for lv in EscalationLevel.objects.filter(policy_id__in=policy_ids).select_related("schedule").order_by(
            "policy_id", "position", "id"):
        out[lv.policy_id].append(_level(sorted(phones[lv.pk]), lv.schedule.name if lv.schedule else None,
                                        lv.wait_seconds, lv.reminders, lv.voice, lv.ack_all))
    return out


def export(ctx: Context) -> list[dict]:
    policies = list(EscalationPolicy.objects.select_related("final_contact").order_by("name"))
    levels = _levels_now([p.pk for p in policies])
    out = []
    for p in policies:
        item = {"name": p.name, "repeat": p.repeat}
        if p.urgency != Urgency.HIGH:
            item["urgency"] = p.urgency
        if p.final_action != FinalAction.NONE:
            item["final_action"] = p.final_action
            item["final_contact"] = p.final_contact.phone if p.final_contact else None
        item["levels"] = levels[p.pk]
        out.append(item)
    return out


def phones(item: dict) -> list[str]:
    return [*(p for lv in item["levels"] for p in lv.get("contacts", [])),
            *([item["final_contact"]] if item.get("final_contact") else [])]


def _normal(level: dict) -> dict:
    return _level(sorted(level.get("contacts", [])), level.get("schedule"), level["wait_seconds"],
                  level.get("reminders", 1), level.get("voice", False), level.get("ack_all", False))


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items)
    in_file = {s["name"] for s in ctx.document.get("schedules", [])}
    in_db = set() if ctx.prune else set(Schedule.objects.values_list("name", flat=True))
    for i, item in enumerate(items):
        for j, level in enumerate(item["levels"]):
            where = f"{KEY}[{i}].levels[{j}]"
            for k, phone in enumerate(level.get("contacts", [])):
                check_phone(ctx, f"{where}.contacts[{k}]", phone)
            name = level.get("schedule")
            if name and name not in in_file and name not in in_db:
                ctx.error(f"{where}.schedule", f"no schedule is named {name!r}"
                          + (" in the file (--prune deletes the others)" if ctx.prune else ""))
            if not level.get("contacts") and not name:
                ctx.error(where, "a level needs contacts, a schedule, or both")
        if item.get("final_contact"):
            check_phone(ctx, f"{KEY}[{i}].final_contact", item["final_contact"])


def apply(items: list[dict], ctx: Context) -> None:
    contacts = ctx.contacts(sorted({p for item in items for p in phones(item)}))
    schedules = dict(Schedule.objects.filter(name__in={lv["schedule"] for i in items for lv in i["levels"]
                                                       if lv.get("schedule")}).values_list("name", "pk"))
    existing = {p.name: p for p in EscalationPolicy.objects.filter(name__in=[i["name"] for i in items])}
    levels_now = _levels_now([p.pk for p in existing.values()])
    for item in items:
        final_contact = contacts[item["final_contact"]] if item.get("final_contact") else None
        fields = {"urgency": item.get("urgency", Urgency.HIGH), "repeat": item.get("repeat", 0),
                  "final_action": item.get("final_action", FinalAction.NONE),
                  "final_contact_id": final_contact.pk if final_contact else None}
        policy = existing.get(item["name"])
        if policy is None:
            policy = EscalationPolicy(name=item["name"], **fields)
            policy.full_clean()
            policy.save()
            ctx.change("create", "policy", item["name"], f"{len(item['levels'])} levels")
        elif any(getattr(policy, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(policy, k, v)
            policy.full_clean()
            policy.save()
            ctx.change("update", "policy", item["name"])
        wanted = [_normal(lv) for lv in item["levels"]]
        if levels_now.get(policy.pk, []) != wanted:
            EscalationLevel.objects.filter(policy=policy).delete()
            for n, lv in enumerate(wanted, start=1):
                level = EscalationLevel.objects.create(
                    policy=policy, position=n, schedule_id=schedules.get(lv["schedule"]) if lv["schedule"] else None,
                    wait_seconds=lv["wait_seconds"], reminders=lv["reminders"], voice=lv["voice"],
                    ack_all=lv.get("ack_all", False))
                level.contacts.set([contacts[p] for p in lv["contacts"]])
            if item["name"] in existing:
                ctx.change("update", "policy", item["name"], "levels")


def prune(items: list[dict], ctx: Context) -> None:
    for policy in EscalationPolicy.objects.exclude(name__in=[i["name"] for i in items]):
        try:
            with transaction.atomic():
                policy.delete()
        except ProtectedError:  # the file holds no heartbeats or integrations section to prune them first
            ctx.error(KEY, f"policy {policy.name!r} is not in the file but a heartbeat or an alert integration "
                           "names it; it cannot be deleted")
            continue
        ctx.change("delete", "policy", policy.name)
