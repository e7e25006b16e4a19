"""PagerDuty REST API v2, read into a plan.

Lists are ``{"<things>": [...], "limit", "offset", "more"}``. Users are asked for with
``include[]=contact_methods`` and ``include[]=notification_rules``, so those come whole. A
schedule's own answer (``GET /schedules/{id}`` with ``since``/``until``) carries its layers and
``final_schedule.rendered_schedule_entries``: who is on call once layers, restrictions and
overrides are combined. That final schedule is what the portal reproduces (rotation plus the
overrides that make up the difference).
"""

from __future__ import annotations

from portal.setup_as_code.neutral import (
    LevelSpec,
    Person,
    Plan,
    PolicySpec,
    Rotation,
    Rule,
    ScheduleSpec,
    Shift,
    SourceMalformed,
)
from portal.setup_as_code.vendors._common import e164, final_window, instant, need, need_list, zone

METHODS = {"sms_contact_method": "sms", "phone_contact_method": "voice", "email_contact_method": "email"}


def read(source, *, now) -> Plan:
    plan = Plan(source="pagerduty")
    for i, u in enumerate(source.get_list("/users", "users",
                                          params={"include[]": ["contact_methods", "notification_rules"]})):
        plan.people.append(_person(plan, u, f"/users [{i}]"))
    since, until = final_window(now)
    window = {"since": since.isoformat(), "until": until.isoformat()}
    for i, listed in enumerate(source.get_list("/schedules", "schedules")):
        sid = str(need(listed, "id", f"/schedules [{i}]"))
        detail = source.get(f"/schedules/{sid}", params=window)
        sch = (detail or {}).get("schedule") or listed
        plan.schedules.append(_schedule(plan, source, sch, f"/schedules/{sid}", window))
    for i, ep in enumerate(source.get_list("/escalation_policies", "escalation_policies")):
        plan.policies.append(_policy(plan, ep, f"/escalation_policies [{i}]"))
    return plan


def _person(plan, u, where) -> Person:
    person = Person(source_id=str(need(u, "id", where)), name=u.get("name") or u["id"],
                    email=(u.get("email") or "").strip().lower())
    methods = {}
    for m in need_list(u, "contact_methods", where):
        if not isinstance(m, dict):
            raise SourceMalformed(f"{where}: a contact method must be an object (ask with include[]=contact_methods)")
        methods[m.get("id")] = m
        if m.get("type") in ("sms_contact_method", "phone_contact_method"):
            phone = e164(f"+{m.get('country_code') or ''}{m.get('address') or ''}")
            if phone is None:
                plan.note(f"{person.name}: number {m.get('address')!r} is not a phone number; not mapped")
            elif phone not in person.phones:
                # The SMS number first: it is the one the portal pages on.
                person.phones.insert(0, phone) if m["type"] == "sms_contact_method" else person.phones.append(phone)
    for r in need_list(u, "notification_rules", where):
        cm = methods.get((r.get("contact_method") or {}).get("id")) or r.get("contact_method") or {}
        method = METHODS.get(cm.get("type"))
        if method is None:
            plan.note(f"{person.name}: rule by {cm.get('type')} not mapped (no such channel in the portal)")
            continue
        person.rules.append(Rule(method=method, after_seconds=60 * int(r.get("start_delay_in_minutes") or 0),
                                 urgency=r.get("urgency") if r.get("urgency") in ("high", "low") else "any"))
    return person


def _schedule(plan, source, sch, where, window) -> ScheduleSpec:
    spec = ScheduleSpec(source_id=str(sch["id"]), name=need(sch, "name", where),
                        time_zone=zone(sch.get("time_zone"), where))
    layers = need_list(sch, "schedule_layers", where)
    usable = []
    for j, layer in enumerate(layers):
        lw = f"{where} schedule_layers[{j}]"
        seconds = int(need(layer, "rotation_turn_length_seconds", lw))
        users = [str(need(entry.get("user") or {}, "id", lw)) for entry in need_list(layer, "users", lw)]
        if layer.get("restrictions"):
            plan.note(f"schedule {spec.name!r}: layer {layer.get('name')!r} has restrictions the portal cannot "
                      f"express; the final schedule's answer becomes overrides where given")
        if seconds % 3600 or not users:
            plan.note(f"schedule {spec.name!r}: layer {layer.get('name')!r} turns of {seconds} s are not whole hours;"
                      f" not mapped as a rotation")
            continue
        usable.append((bool(layer.get("restrictions")),
                       Rotation(handoff=instant(need(layer, "rotation_virtual_start", lw), lw),
                                turn_hours=seconds // 3600, member_ids=users)))
    if usable:
        # A layer without restrictions covers round the clock: the best base for the overrides.
        spec.rotation = sorted(usable, key=lambda u: u[0])[0][1]
        if len(layers) > 1:
            plan.note(f"schedule {spec.name!r}: {len(layers)} layers; the portal keeps one rotation and the "
                      f"final schedule's answer becomes overrides")
    final = ((sch.get("final_schedule") or {}).get("rendered_schedule_entries"))
    if final:
        spec.final = [Shift(person_id=str(need(e.get("user") or {}, "id", where)), start=instant(e.get("start"), where),
                            end=instant(e.get("end"), where)) for e in final]
    path = f"{where}/overrides"
    for k, o in enumerate(source.get_list(path, "overrides", params=window)):
        ow = f"{path} [{k}]"
        spec.overrides.append(Shift(person_id=str(need(o.get("user") or {}, "id", ow)),
                                    start=instant(need(o, "start", ow), ow), end=instant(need(o, "end", ow), ow)))
    return spec


def _policy(plan, ep, where) -> PolicySpec:
    policy = PolicySpec(source_id=str(need(ep, "id", where)), name=need(ep, "name", where),
                        repeat=int(ep.get("num_loops") or 0))
    for j, rule in enumerate(need_list(ep, "escalation_rules", where)):
        level = LevelSpec(wait_seconds=60 * int(rule.get("escalation_delay_in_minutes") or 30))
        for t in need_list(rule, "targets", f"{where} escalation_rules[{j}]"):
            kind = t.get("type", "")
            if kind.startswith("user"):
                level.person_ids.append(str(t.get("id")))
            elif kind.startswith("schedule") and level.schedule_id is None:
                level.schedule_id = str(t.get("id"))
            else:
                plan.note(f"policy {policy.name!r}: level {j + 1} target {kind} {t.get('id')} not mapped "
                          f"(a portal level pages one schedule)")
        policy.levels.append(level)
    if ep.get("on_call_handoff_notifications") == "always":
        plan.note(f"policy {policy.name!r}: handoff notifications are the schedule's notice_minutes in the portal;"
                  f" not mapped")
    return policy
