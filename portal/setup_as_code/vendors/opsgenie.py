"""Opsgenie REST API v2, read into a plan.

Lists are ``{"data": [...], "paging": {"next", ...}}`` (heartbeats: ``{"data": {"heartbeats":
[...]}}``). Schedules are asked for with ``expand=rotation``. Phone contacts are written
``<country code>-<number>`` (``1-9999999999``). An escalation rule's delay counts from the
start of the escalation, so a portal level lasts until the next rule's delay. The schedule's
``timeline`` (when the file or API gives it) holds the final periods, layers and restrictions
combined, which become overrides where the one rotation the portal keeps differs.
"""

from __future__ import annotations

from portal.setup_as_code.neutral import (
    HeartbeatSpec,
    LevelSpec,
    Person,
    Plan,
    PolicySpec,
    Rotation,
    ScheduleSpec,
    Shift,
)
from portal.setup_as_code.vendors._common import (
    FINAL_AHEAD_DAYS,
    FINAL_BACK_DAYS,
    e164,
    final_window,
    instant,
    need,
    need_list,
    zone,
)

UNIT_HOURS = {"hourly": 1, "daily": 24, "weekly": 168}
UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400}
LAST_LEVEL_WAIT = 300


def read(source, *, now) -> Plan:
    plan = Plan(source="opsgenie")
    names = {}  # Opsgenie names users by id in some places and by username in others
    for i, u in enumerate(source.get_list("/v2/users", "data")):
        where = f"/v2/users [{i}]"
        person = Person(source_id=str(need(u, "id", where)), name=u.get("fullName") or u.get("username") or u["id"],
                        email=(u.get("username") or "").strip().lower())
        for c in source.get_list(f"/v2/users/{person.source_id}/contacts", "data"):
            _contact(plan, person, c)
        rules = source.get_list(f"/v2/users/{person.source_id}/notification-rules", "data")
        if rules:
            plan.note(f"{person.name}: {len(rules)} notification rules not mapped (Opsgenie's steps and criteria "
                      f"are fetched one rule at a time; the contacts are mapped)")
        plan.people.append(person)
        names[person.email] = person.source_id
    for i, sch in enumerate(source.get_list("/v2/schedules", "data", params={"expand": "rotation"})):
        plan.schedules.append(_schedule(plan, source, sch, f"/v2/schedules [{i}]", names, now))
    team_escalations: dict[str, list[str]] = {}
    for i, esc in enumerate(source.get_list("/v2/escalations", "data")):
        policy = _policy(plan, esc, f"/v2/escalations [{i}]", names)
        plan.policies.append(policy)
        team_escalations.setdefault(str((esc.get("ownerTeam") or {}).get("id")), []).append(policy.source_id)
    for i, hb in enumerate(source.get_list("/v2/heartbeats", "data")):
        where = f"/v2/heartbeats [{i}]"
        seconds = int(hb.get("interval") or 10) * UNIT_SECONDS.get(hb.get("intervalUnit") or "minutes", 60)
        # A missed heartbeat alerts its owner team, which its team's escalation routes: the
        # portal's heartbeat pages that policy when the team has exactly one.
        owned = team_escalations.get(str((hb.get("ownerTeam") or {}).get("id")), [])
        plan.heartbeats.append(HeartbeatSpec(source_id=str(need(hb, "name", where)), name=hb["name"],
                                             timeout_seconds=seconds, policy_id=owned[0] if len(owned) == 1 else None))
    return plan


def _ref(obj: dict, names: dict) -> str | None:
    if not isinstance(obj, dict):
        return None
    return str(obj["id"]) if obj.get("id") else names.get((obj.get("username") or "").lower())


def _contact(plan, person, c) -> None:
    method, to = c.get("method"), str(c.get("to") or "")
    if (c.get("status") or {}).get("enabled") is False:
        return
    if method in ("sms", "voice"):
        phone = e164("+" + to.replace("-", "").lstrip("+"))
        if phone is None:
            plan.note(f"{person.name}: {method} contact {to!r} is not a phone number; not mapped")
        elif phone not in person.phones:
            person.phones.insert(0, phone) if method == "sms" else person.phones.append(phone)
    elif method == "email":
        person.email = person.email or to.lower()
    else:
        plan.note(f"{person.name}: {method} contact not mapped (no such channel in the portal)")


def _schedule(plan, source, sch, where, names, now) -> ScheduleSpec:
    spec = ScheduleSpec(source_id=str(need(sch, "id", where)), name=need(sch, "name", where),
                        time_zone=zone(sch.get("timezone"), where))
    rotations = []
    for j, rot in enumerate(need_list(sch, "rotations", where)):
        rw = f"{where} rotations[{j}]"
        members = [_ref(p, names) for p in need_list(rot, "participants", rw) if p.get("type") == "user"]
        if rot.get("timeRestriction"):
            plan.note(f"schedule {spec.name!r}: rotation {rot.get('name')!r} has a time restriction the portal "
                      f"cannot express; the timeline's final periods become overrides where given")
        if any(p.get("type") not in ("user",) for p in need_list(rot, "participants", rw)):
            plan.note(f"schedule {spec.name!r}: rotation {rot.get('name')!r} has team or empty participants; only "
                      f"users are mapped")
        hours = UNIT_HOURS.get(need(rot, "type", rw))
        if hours is None or not members or None in members:
            plan.note(f"schedule {spec.name!r}: rotation {rot.get('name')!r} not mapped as a rotation")
            continue
        rotations.append(Rotation(handoff=instant(need(rot, "startDate", rw), rw, tz=spec.time_zone),
                                  turn_hours=hours * int(rot.get("length") or 1), member_ids=members))
        if rot.get("endDate"):
            plan.note(f"schedule {spec.name!r}: rotation {rot.get('name')!r} ends {rot['endDate']}; the portal's "
                      f"rotation does not end")
    if rotations:
        spec.rotation = rotations[0]
        if len(rotations) > 1:
            plan.note(f"schedule {spec.name!r}: {len(rotations)} rotations; the portal keeps the first and the "
                      f"timeline's final periods become overrides where given")
    path = f"/v2/schedules/{spec.source_id}/overrides"
    for k, o in enumerate(source.get_list(path, "data")):
        ow = f"{path} [{k}]"
        spec.overrides.append(Shift(person_id=_ref(o.get("user") or {}, names) or "",
                                    start=instant(need(o, "startDate", ow), ow),
                                    end=instant(need(o, "endDate", ow), ow)))
    timeline = source.get(f"/v2/schedules/{spec.source_id}/timeline",
                          params={"date": final_window(now)[0].isoformat(),
                                  "interval": FINAL_BACK_DAYS + FINAL_AHEAD_DAYS, "intervalUnit": "days"})
    if timeline:
        final = []
        tw = f"/v2/schedules/{spec.source_id}/timeline"
        for rot in need_list(((timeline.get("data") or {}).get("finalTimeline") or {}), "rotations", tw):
            for p in need_list(rot, "periods", tw):
                who = _ref(p.get("recipient") or {}, names)
                if who:
                    final.append(Shift(person_id=who, start=instant(need(p, "startDate", tw), tw),
                                       end=instant(need(p, "endDate", tw), tw)))
        spec.final = sorted(final, key=lambda s: s.start) or None
    return spec


def _policy(plan, esc, where, names) -> PolicySpec:
    policy = PolicySpec(source_id=str(need(esc, "id", where)), name=need(esc, "name", where))
    by_delay: dict[int, LevelSpec] = {}
    for j, rule in enumerate(need_list(esc, "rules", where)):
        delay = rule.get("delay") or {}
        seconds = int(delay.get("timeAmount") or 0) * UNIT_SECONDS.get(delay.get("timeUnit") or "minutes", 60)
        level = by_delay.setdefault(seconds, LevelSpec(wait_seconds=0))
        r = rule.get("recipient") or {}
        if r.get("type") == "user" and _ref(r, names):
            level.person_ids.append(_ref(r, names))
        elif r.get("type") == "schedule" and level.schedule_id is None:
            level.schedule_id = str(r.get("id"))
            if rule.get("notifyType") not in (None, "default"):
                plan.note(f"policy {policy.name!r}: 'notify {rule['notifyType']} on-call' pages the current one")
        else:
            plan.note(f"policy {policy.name!r}: rule {j + 1} recipient {r.get('type')} {r.get('name') or r.get('id')}"
                      f" not mapped (teams page their own escalation in Opsgenie)")
    delays = sorted(by_delay)
    repeat = esc.get("repeat") or {}
    for k, d in enumerate(delays):
        nxt = delays[k + 1] if k + 1 < len(delays) else None
        level = by_delay[d]
        last_wait = 60 * int(repeat.get("waitInterval") or 0) or LAST_LEVEL_WAIT
        level.wait_seconds = (nxt - d) if nxt is not None else last_wait
        if level.person_ids or level.schedule_id:
            policy.levels.append(level)
    if delays and delays[0]:
        plan.note(f"policy {policy.name!r}: the first rule waits {delays[0]} s; the portal pages its first level at "
                  f"once")
    policy.repeat = int(repeat.get("count") or 0)
    return policy
