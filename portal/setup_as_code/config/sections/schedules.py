"""``schedules``: each rotation with its members by phone and its overrides from now on.

Overrides that ended before the export are history, not setup, and are never in the file; the
file's overrides are matched by (phone, start, end), and ``--prune`` deletes the schedule's
overrides still ahead that the file does not hold (never past ones).
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime

from oncall.models import Schedule, ScheduleMember, ScheduleOverride
from portal.setup_as_code.config.base import NAME, PHONE, TIME, Context, check_phone, check_zone, duplicates, parse_time

KEY = "schedules"
item_schema = {
    "type": "object", "additionalProperties": False, "required": ["name", "handoff", "turn_hours", "members"],
    "properties": {
        "name": NAME,
        "time_zone": {"type": "string", "minLength": 1, "maxLength": 64, "default": "UTC"},
        "handoff": TIME,
        "turn_hours": {"type": "integer", "minimum": 1, "maximum": 24 * 366},
        "notice_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 7 * 24 * 60},
        "members": {"type": "array", "items": PHONE, "maxItems": 200},
        "overrides": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["phone", "start", "end"],
            "properties": {"phone": PHONE, "start": TIME, "end": TIME, "note": {"type": "string", "maxLength": 200}}}},
    },
}


def _iso(at: datetime, tz: str) -> str:
    return at.astimezone(zoneinfo.ZoneInfo(tz)).isoformat()


def export(ctx: Context) -> list[dict]:
    members = defaultdict(list)
    for sid, phone in ScheduleMember.objects.order_by("schedule_id", "position", "id").values_list(
            "schedule_id", "contact__phone"):
        members[sid].append(phone)
    overrides = defaultdict(list)
    for sid, phone, start, end, note in ScheduleOverride.objects.filter(end__gt=ctx.now).order_by(
            "schedule_id", "start", "id").values_list("schedule_id", "contact__phone", "start", "end", "note"):
        overrides[sid].append((phone, start, end, note))
    out = []
    for s in Schedule.objects.order_by("name"):
        item = {"name": s.name, "time_zone": s.time_zone, "handoff": _iso(s.handoff, s.time_zone),
                "turn_hours": s.turn_hours}
        if s.notice_minutes is not None:
            item["notice_minutes"] = s.notice_minutes
        item["members"] = members[s.pk]
        if overrides[s.pk]:
            item["overrides"] = [{"phone": p, "start": _iso(a, s.time_zone), "end": _iso(b, s.time_zone),
                                  **({"note": n} if n else {})} for p, a, b, n in overrides[s.pk]]
        out.append(item)
    return out


def phones(item: dict) -> list[str]:
    return [*item.get("members", []), *(o["phone"] for o in item.get("overrides", []))]


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items)
    for i, item in enumerate(items):
        where = f"{KEY}[{i}]"
        check_zone(ctx, f"{where}.time_zone", item.get("time_zone", "UTC"))
        parse_time(ctx, f"{where}.handoff", item["handoff"])
        for j, phone in enumerate(item.get("members", [])):
            check_phone(ctx, f"{where}.members[{j}]", phone)
        for j, o in enumerate(item.get("overrides", [])):
            check_phone(ctx, f"{where}.overrides[{j}].phone", o["phone"])
            start = parse_time(ctx, f"{where}.overrides[{j}].start", o["start"])
            end = parse_time(ctx, f"{where}.overrides[{j}].end", o["end"])
            if start and end and end <= start:
                ctx.error(f"{where}.overrides[{j}].end", "an override must end after it starts")


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def apply(items: list[dict], ctx: Context) -> None:
    contacts = ctx.contacts(sorted({p for item in items for p in phones(item)}))
    existing = {s.name: s for s in Schedule.objects.filter(name__in=[i["name"] for i in items])}
    ids = [s.pk for s in existing.values()]
    members = defaultdict(list)
    for sid, cid in ScheduleMember.objects.filter(schedule_id__in=ids).order_by("schedule_id", "position", "id") \
            .values_list("schedule_id", "contact_id"):
        members[sid].append(cid)
    floor = min([ctx.now, *(_when(o["end"]) for item in items for o in item.get("overrides", []))])
    ahead = defaultdict(dict)
    # ≥, not >: the file's earliest-ending override ends exactly at the floor when it is past (a
    # file applied again after its overrides ended; found by the date sweep), and must be matched.
    for o in ScheduleOverride.objects.filter(schedule_id__in=ids, end__gte=floor):
        ahead[o.schedule_id][(o.contact_id, o.start, o.end)] = o
    new = []
    for item in items:
        fields = {"time_zone": item.get("time_zone", "UTC"), "handoff": _when(item["handoff"]),
                  "turn_hours": item["turn_hours"], "notice_minutes": item.get("notice_minutes")}
        schedule = existing.get(item["name"])
        if schedule is None:
            schedule = Schedule(name=item["name"], **fields)
            schedule.full_clean(validate_unique=False)  # names: checked against the file and the table above
            new.append((item, schedule))
            ctx.change("create", "schedule", item["name"])
            continue
        changed = [k for k, v in fields.items() if getattr(schedule, k) != v]
        if changed:
            for k, v in fields.items():
                setattr(schedule, k, v)
            schedule.full_clean(validate_unique=False)
            schedule.save()
            ctx.change("update", "schedule", item["name"], ", ".join(changed))
        wanted = [contacts[p].pk for p in item["members"]]
        if members.get(schedule.pk, []) != wanted:
            ScheduleMember.objects.filter(schedule=schedule).delete()
            ScheduleMember.objects.bulk_create(ScheduleMember(schedule=schedule, contact_id=cid, position=n)
                                               for n, cid in enumerate(wanted, start=1))
            ctx.change("update", "schedule", item["name"], "members " + ", ".join(item["members"]))
        _overrides(item, schedule, contacts, ahead.get(schedule.pk, {}), ctx)
    _create(new, contacts, ctx)


def _create(new: list[tuple[dict, Schedule]], contacts: dict, ctx: Context) -> None:
    """New schedules, their members and their overrides: three INSERTs for any number of them."""
    if not new:
        return
    Schedule.objects.bulk_create([s for _, s in new], batch_size=500)
    if any(s.pk is None for _, s in new):  # a backend that returns no ids
        ids = dict(Schedule.objects.filter(name__in=[s.name for _, s in new]).values_list("name", "pk"))
        for _, s in new:
            s.pk = ids[s.name]
    ScheduleMember.objects.bulk_create(
        (ScheduleMember(schedule=s, contact_id=contacts[p].pk, position=n)
         for item, s in new for n, p in enumerate(item["members"], start=1)), batch_size=2000)
    overrides = [ScheduleOverride(schedule=s, contact_id=contacts[o["phone"]].pk, start=_when(o["start"]),
                                  end=_when(o["end"]), note=o.get("note", ""), created_by="config apply")
                 for item, s in new for o in item.get("overrides", [])]
    ScheduleOverride.objects.bulk_create(overrides, batch_size=2000)
    for item, _ in new:
        for o in item.get("overrides", []):
            ctx.change("create", "override", item["name"], f"{o['phone']} {o['start']} – {o['end']}")


def _overrides(item, schedule, contacts, have: dict, ctx: Context) -> None:
    kept = set()
    for o in item.get("overrides", []):
        key = (contacts[o["phone"]].pk, _when(o["start"]), _when(o["end"]))
        row = have.get(key)
        if row is None:
            ScheduleOverride.objects.create(schedule=schedule, contact_id=key[0], start=key[1], end=key[2],
                                            note=o.get("note", ""), created_by="config apply")
            ctx.change("create", "override", item["name"], f"{o['phone']} {o['start']} – {o['end']}")
        elif row.note != o.get("note", ""):
            row.note = o.get("note", "")
            row.save(update_fields=["note"])
            ctx.change("update", "override", item["name"], f"{o['phone']} {o['start']} note")
        kept.add(key)
    if ctx.prune:
        for key, row in have.items():
            if key not in kept and row.end > ctx.now:
                row.delete()
                ctx.change("delete", "override", item["name"], f"{row.start.isoformat()} – {row.end.isoformat()}")


def prune(items: list[dict], ctx: Context) -> None:
    for schedule in Schedule.objects.exclude(name__in=[i["name"] for i in items]):
        schedule.delete()
        ctx.change("delete", "schedule", schedule.name)
