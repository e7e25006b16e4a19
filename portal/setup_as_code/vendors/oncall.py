"""Grafana OnCall's public API v1, read into a plan.

Shapes as the public API serializers write them (engine/apps/public_api/serializers/): every
list is ``{"count", "next", "previous", "results"}``; shift times are ``YYYY-MM-DDTHH:MM:SS``
without an offset, on the shift's ``time_zone`` (UTC when null); a wait step's ``duration`` is
seconds. Users carry no phone numbers, so the importer matches them to contacts by email.
"""

from __future__ import annotations

from datetime import timedelta

from portal.setup_as_code.neutral import (
    HeartbeatSpec,
    IntegrationSpec,
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
from portal.setup_as_code.vendors._common import final_window, instant, need, need_list, zone

API = "/api/v1"
RULE_METHODS = {"notify_by_sms": "sms", "notify_by_phone_call": "voice", "notify_by_email": "email"}
FREQUENCY_HOURS = {"hourly": 1, "daily": 24, "weekly": 168}
# OnCall's "repeat escalation" step runs the chain again, five times at most.
ONCALL_REPEATS = 5
LAST_LEVEL_WAIT = 300  # a chain that ends on a notify step: the portal still needs a level length


def read(source, *, now) -> Plan:
    plan = Plan(source="oncall")
    people = {}
    for i, u in enumerate(source.get_list(f"{API}/users/", "results")):
        where = f"{API}/users/ [{i}]"
        uid = str(need(u, "id", where))
        people[uid] = Person(source_id=uid, name=u.get("username") or u.get("email") or uid,
                             email=(u.get("email") or "").strip().lower())
    _rules(source, plan, people)
    plan.people = list(people.values())
    _schedules(source, plan, now)
    _policies(source, plan)
    for i, integ in enumerate(source.get_list(f"{API}/integrations/", "results")):
        where = f"{API}/integrations/ [{i}]"
        chain = ((integ.get("default_route") or {}).get("escalation_chain_id"))
        plan.integrations.append(IntegrationSpec(source_id=str(need(integ, "id", where)),
                                                 name=integ.get("name") or str(integ["id"]),
                                                 policy_id=str(chain) if chain else None))
        for route in need_list(integ, "routes", where)[1:]:
            plan.note(f"integration {integ.get('name')!r}: route {route.get('id')} not mapped "
                      f"(OnCall routes match Jinja templates; the portal's routes match labels)")
        if (integ.get("heartbeat") or {}).get("link"):
            # The public API gives the heartbeat's link only; its timeout is set in OnCall's UI.
            plan.heartbeats.append(HeartbeatSpec(source_id=str(integ["id"]), name=integ.get("name") or str(integ["id"]),
                                                 timeout_seconds=0, policy_id=str(chain) if chain else None))
    return plan


def _rules(source, plan: Plan, people: dict) -> None:
    by_user: dict[str, list] = {}
    for i, r in enumerate(source.get_list(f"{API}/personal_notification_rules/", "results")):
        where = f"{API}/personal_notification_rules/ [{i}]"
        by_user.setdefault(str(need(r, "user_id", where)), []).append(r)
    for user_id, rules in by_user.items():
        person = people.get(user_id)
        if person is None:
            plan.note(f"notification rules of unknown user {user_id}: not mapped")
            continue
        delay = 0
        for r in sorted(rules, key=lambda r: r.get("position") or 0):
            kind = r.get("type")
            if r.get("important"):
                plan.note(f"{person.name}: 'important' rule {kind} not mapped (the portal has one rule list per "
                          f"urgency, and OnCall's important notifications are not an urgency)")
                continue
            if kind == "wait":
                delay += int(r.get("duration") or 0)
            elif kind in RULE_METHODS:
                person.rules.append(Rule(method=RULE_METHODS[kind], after_seconds=delay))
            else:
                plan.note(f"{person.name}: rule {kind} not mapped (no such channel in the portal)")


def _naive(value, where, tz):
    return instant(value, where, tz=tz)


def _schedules(source, plan: Plan, now) -> None:
    shifts = {}
    for i, s in enumerate(source.get_list(f"{API}/on_call_shifts/", "results")):
        shifts[str(need(s, "id", f"{API}/on_call_shifts/ [{i}]"))] = s
    for i, sch in enumerate(source.get_list(f"{API}/schedules/", "results")):
        where = f"{API}/schedules/ [{i}]"
        sid = str(need(sch, "id", where))
        spec = ScheduleSpec(source_id=sid, name=need(sch, "name", where), time_zone=zone(sch.get("time_zone"), where))
        rotations = []
        for shift_id in need_list(sch, "shifts", where):
            shift = shifts.get(str(shift_id))
            if shift is None:
                raise SourceMalformed(f"{where}: shift {shift_id} is not in {API}/on_call_shifts/")
            _shift(plan, spec, shift, rotations)
        if len(rotations) == 1:
            spec.rotation = rotations[0]
        elif len(rotations) > 1:
            spec.rotation = rotations[0]
            plan.note(f"schedule {spec.name!r}: {len(rotations)} rotations; the portal keeps one, and the others "
                      f"become overrides from the final shifts where given")
        if sch.get("type") == "ical":
            plan.note(f"schedule {spec.name!r}: an iCal schedule has no rotation to map; its final shifts become "
                      f"overrides where given")
        spec.final = _final(source, sid, now)
        plan.schedules.append(spec)


def _shift(plan, spec, shift, rotations) -> None:
    where = f"{API}/on_call_shifts/ {shift.get('id')}"
    tz = zone(shift.get("time_zone"), where)
    kind = shift.get("type")
    start = _naive(need(shift, "start", where), where, tz)
    duration = timedelta(seconds=int(shift.get("duration") or 0))
    if kind == "override":
        for user in need_list(shift, "users", where)[:1]:
            spec.overrides.append(Shift(person_id=str(user), start=start, end=start + duration))
        return
    hours = FREQUENCY_HOURS.get(shift.get("frequency") or "")
    interval = int(shift.get("interval") or 1)
    if kind == "rolling_users":
        groups = need_list(shift, "rolling_users", where)
    else:
        groups = [[u] for u in need_list(shift, "users", where)[:1]]
    simple = (hours is not None and not shift.get("by_day") and not shift.get("by_month")
              and not shift.get("by_monthday") and duration == timedelta(hours=hours * interval)
              and not shift.get("until") and all(len(g) == 1 for g in groups) and groups)
    if not simple:
        plan.note(f"schedule {spec.name!r}: shift {shift.get('name') or shift.get('id')} ({kind}, "
                  f"{shift.get('frequency')}, days {shift.get('by_day')}) is not one person at a time around the clock;"
                  f" not mapped as a rotation")
        return
    members = [str(g[0]) for g in groups]
    first = int(shift.get("start_rotation_from_user_index") or 0) % len(members)
    rotations.append(Rotation(handoff=_naive(shift.get("rotation_start") or shift["start"], where, tz),
                              turn_hours=hours * interval, member_ids=members[first:] + members[:first]))
    if tz != spec.time_zone:
        spec.time_zone = tz  # turns follow the shift's clock


def _final(source, sid: str, now):
    path = f"{API}/schedules/{sid}/final_shifts"
    since, until = final_window(now)
    rows = source.get_list(path, "results", params={"start_date": since.date().isoformat(),
                                                    "end_date": until.date().isoformat()})
    if not rows:
        return None
    out = []
    for i, r in enumerate(rows):
        where = f"{path} [{i}]"
        out.append(Shift(person_id=str(need(r, "user_pk", where)), start=instant(need(r, "shift_start", where), where),
                         end=instant(need(r, "shift_end", where), where)))
    return out


def _policies(source, plan: Plan) -> None:
    chains = {}
    for i, c in enumerate(source.get_list(f"{API}/escalation_chains/", "results")):
        where = f"{API}/escalation_chains/ [{i}]"
        chains[str(need(c, "id", where))] = PolicySpec(source_id=str(c["id"]), name=need(c, "name", where))
    steps: dict[str, list] = {}
    for i, p in enumerate(source.get_list(f"{API}/escalation_policies/", "results")):
        where = f"{API}/escalation_policies/ [{i}]"
        chain = str(need(p, "escalation_chain_id", where))
        if chain not in chains:
            raise SourceMalformed(f"{where}: escalation chain {chain} is not in {API}/escalation_chains/")
        steps.setdefault(chain, []).append(p)
    for chain_id, policy in chains.items():
        waiting = False  # the last level has had its wait: a notify step starts a new level
        for step in sorted(steps.get(chain_id, []), key=lambda s: s.get("position") or 0):
            kind = step.get("type")
            if kind == "wait":
                if policy.levels:
                    policy.levels[-1].wait_seconds += int(step.get("duration") or 0)
                    waiting = True
                else:
                    plan.note(f"policy {policy.name!r}: a wait before the first notification is not mapped")
            elif kind in ("notify_persons", "notify_person_next_each_time", "notify_on_call_from_schedule"):
                level = policy.levels[-1] if policy.levels and not waiting else None
                if level is None or (kind == "notify_on_call_from_schedule" and level.schedule_id):
                    level = LevelSpec(wait_seconds=0)
                    policy.levels.append(level)
                    waiting = False
                if kind == "notify_on_call_from_schedule":
                    level.schedule_id = str(need(step, "notify_on_call_from_schedule", f"step {step.get('id')}"))
                else:
                    key = "persons_to_notify" if kind == "notify_persons" else "persons_to_notify_next_each_time"
                    level.person_ids += [str(u) for u in need_list(step, key, f"step {step.get('id')}")]
                    if kind == "notify_person_next_each_time":
                        plan.note(f"policy {policy.name!r}: 'notify the next person each time' becomes a level "
                                  f"that pages all of them (the portal has no round robin)")
                if step.get("important"):
                    plan.note(f"policy {policy.name!r}: step {step.get('id')} is 'important'; mapped as a normal page")
            elif kind == "repeat_escalation":
                policy.repeat = ONCALL_REPEATS
            else:
                plan.note(f"policy {policy.name!r}: step {kind!r} not mapped (no equivalent in the portal"
                          f"{', it notifies Slack' if 'channel' in (kind or '') or 'group' in (kind or '') else ''})")
        for level in policy.levels:
            level.wait_seconds = level.wait_seconds or LAST_LEVEL_WAIT
        plan.policies.append(policy)
