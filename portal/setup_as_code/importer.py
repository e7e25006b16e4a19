"""Write a vendor's plan (neutral.py) into the portal, idempotently, in one transaction.

Every row made is recorded in ``ImportedObject`` under the vendor's id, so a second run finds
it and changes nothing; a row someone deleted since is made again. Names that already belong to
a row the import did not make are left alone and reported: an import never takes over what a
person typed in. ``dry_run`` runs the same code and rolls back, so the plan it prints is exactly
what a real run would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction

from incidents.heartbeats.models import Heartbeat
from incidents.heartbeats.services import heartbeat_create, heartbeat_timeout_changed
from incidents.models import AlertIntegration, EscalationLevel, EscalationPolicy
from messaging.models import Contact
from messaging.notification_rules import notification_rules_set
from oncall.models import Schedule, ScheduleMember, ScheduleOverride
from portal.models import ImportedObject
from portal.setup_as_code.final import overrides_from_final
from portal.setup_as_code.neutral import HeartbeatSpec, Person, Plan, PolicySpec, ScheduleSpec

KINDS = {"contact": Contact, "schedule": Schedule, "override": ScheduleOverride, "policy": EscalationPolicy,
         "integration": AlertIntegration, "heartbeat": Heartbeat}
# A schedule with no rotation the portal can express still needs a handoff; nobody is in it.
NO_ROTATION_HANDOFF = datetime(2000, 1, 1, tzinfo=UTC)
NO_ROTATION_TURN_HOURS = 168
HEARTBEAT_TIMEOUT_MIN = 10  # the portal's shortest heartbeat timeout (CONTRACT)


@dataclass
class Report:
    changes: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    unchanged: int = 0

    def change(self, text: str) -> None:
        self.changes.append(text)


def _apply_rules(contact: Contact, rules: list) -> bool:
    """Give ``contact`` these notification rules (neutral.Rule: method, after_seconds, urgency),
    replacing theirs when they differ; returns whether anything changed."""
    wanted = sorted((r.method, r.after_seconds, r.urgency) for r in rules)
    have = sorted(contact.notification_rules.values_list("method", "after_seconds", "urgency"))
    if wanted == have:
        return False
    notification_rules_set(contact=contact, rules=[{"method": m, "after_seconds": a, "urgency": u}
                                                   for m, a, u in wanted])
    return True


class Importer:
    def __init__(self, plan: Plan):
        self.plan, self.report, self.source = plan, Report(unmapped=list(plan.notes)), plan.source
        self.maps = {(o.kind, o.source_id): o for o in ImportedObject.objects.filter(source=self.source)}
        self._rows: dict[str, dict] = {}  # kind → {pk: row}, read once per kind (a second run reads, not writes)
        self.contacts: dict[str, Contact] = {}
        self.schedules: dict[str, Schedule] = {}
        self.policies: dict[str, EscalationPolicy] = {}

    # --- the mapping table ----------------------------------------------------------------

    def _mapped(self, kind: str, source_id: str):
        row = self.maps.get((kind, source_id))
        if row is None:
            return None
        if kind not in self._rows:
            ids = [o.object_id for (k, _), o in self.maps.items() if k == kind]
            self._rows[kind] = KINDS[kind].objects.in_bulk(ids)
        return self._rows[kind].get(row.object_id)

    def _remember(self, kind: str, source_id: str, obj) -> None:
        row = self.maps.get((kind, source_id))
        if row is None:
            self.maps[(kind, source_id)] = ImportedObject.objects.create(source=self.source, kind=kind,
                                                                         source_id=source_id, object_id=obj.pk)
        elif row.object_id != obj.pk:
            row.object_id = obj.pk
            row.save(update_fields=["object_id", "imported_at"])

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> Report:
        for person in self.plan.people:
            self._person(person)
        for spec in self.plan.schedules:
            self._schedule(spec)
        for spec in self.plan.policies:
            self._policy(spec)
        for spec in self.plan.integrations:
            self._integration(spec)
        for spec in self.plan.heartbeats:
            self._heartbeat(spec, self.policies.get(spec.policy_id) if spec.policy_id else None)
        return self.report

    def _heartbeat(self, spec: HeartbeatSpec, policy: EscalationPolicy | None) -> None:
        """A heartbeat pages the policy the source's heartbeat alerted; it is armed by its first
        ping to the portal's own URL (monitors must be pointed there: the report says so)."""
        if policy is None:
            self.report.unmapped.append(f"heartbeat {spec.name!r} not mapped: it alerts no policy that was "
                                        f"imported")
            return
        if not spec.timeout_seconds:
            self.report.unmapped.append(f"heartbeat {spec.name!r} not mapped: the source does not give its "
                                        f"timeout")
            return
        timeout = max(spec.timeout_seconds, HEARTBEAT_TIMEOUT_MIN)
        heartbeat = self._mapped("heartbeat", spec.source_id)
        if heartbeat is None:
            heartbeat = heartbeat_create(name=spec.name[:200], policy=policy, timeout_seconds=timeout)
            self.report.change(f"heartbeat {spec.name!r}: made ({timeout} s, policy {policy.name!r}); point the "
                               f"job's pings at its new URL")
        elif (heartbeat.name, heartbeat.policy_id, heartbeat.timeout_seconds) != (spec.name[:200], policy.pk, timeout):
            heartbeat.name, heartbeat.policy, heartbeat.timeout_seconds = spec.name[:200], policy, timeout
            heartbeat.save(update_fields=["name", "policy", "timeout_seconds"])
            heartbeat_timeout_changed(heartbeat=heartbeat)
            self.report.change(f"heartbeat {spec.name!r}: updated")
        else:
            self.report.unchanged += 1
        self._remember("heartbeat", spec.source_id, heartbeat)

    def _person(self, p: Person) -> None:
        contact = self._mapped("contact", p.source_id)
        if contact is None and p.phones:
            contact = Contact.objects.filter(phone=p.phones[0]).first()
        if contact is None and p.email and not p.phones:
            matches = list(Contact.objects.filter(email__iexact=p.email)[:2])
            contact = matches[0] if len(matches) == 1 else None
            if len(matches) > 1:
                self.report.unmapped.append(f"person {p.name!r}: {len(matches)} contacts have {p.email}; not matched")
                return
        if contact is None and not p.phones:
            self.report.unmapped.append(f"person {p.name!r} <{p.email}>: no phone number, and no contact has "
                                        f"that email; not imported")
            return
        if contact is None:
            contact = Contact.objects.create(name=p.name[:200], phone=p.phones[0], email=p.email)
            self.report.change(f"create contact {p.name} {p.phones[0]}")
        elif p.phones and (contact.name, contact.email) != (p.name[:200], p.email or contact.email):
            contact.name, contact.email = p.name[:200], p.email or contact.email
            contact.save(update_fields=["name", "email", "updated_at"])
            self.report.change(f"update contact {p.name} {contact.phone}")
        else:
            self.report.unchanged += 1
        for extra in p.phones[1:]:
            self.report.unmapped.append(f"person {p.name!r}: second number {extra} not mapped (a contact has one)")
        if p.rules and _apply_rules(contact, p.rules):
            self.report.change(f"rules of {p.name!r}: "
                               + ", ".join(f"{r.method} after {r.after_seconds} s ({r.urgency})" for r in p.rules))
        self.contacts[p.source_id] = contact
        self._remember("contact", p.source_id, contact)

    def _people(self, ids: list[str], where: str) -> list[Contact]:
        out = []
        for pid in ids:
            if pid in self.contacts:
                out.append(self.contacts[pid])
            else:
                self.report.unmapped.append(f"{where}: person {pid} is not an imported contact; left out")
        return out

    def _schedule(self, spec: ScheduleSpec) -> None:
        schedule = self._mapped("schedule", spec.source_id)
        if schedule is None and Schedule.objects.filter(name=spec.name[:200]).exists():
            self.report.unmapped.append(f"schedule {spec.name!r}: a schedule of that name exists and was not "
                                        f"imported; left alone")
            return
        rot = spec.rotation
        members = self._people(rot.member_ids, f"schedule {spec.name!r}") if rot else []
        fields = {"name": spec.name[:200], "time_zone": spec.time_zone,
                  "handoff": rot.handoff if rot else NO_ROTATION_HANDOFF,
                  "turn_hours": rot.turn_hours if rot else NO_ROTATION_TURN_HOURS}
        if schedule is None:
            schedule = Schedule(**fields)
            schedule.full_clean()
            schedule.save()
            self.report.change(f"create schedule {spec.name!r}")
        elif any(getattr(schedule, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(schedule, k, v)
            schedule.full_clean()
            schedule.save()
            self.report.change(f"update schedule {spec.name!r}")
        else:
            self.report.unchanged += 1
        current = list(ScheduleMember.objects.filter(schedule=schedule).order_by("position", "id")
                       .values_list("contact_id", flat=True))
        if current != [c.pk for c in members]:
            ScheduleMember.objects.filter(schedule=schedule).delete()
            ScheduleMember.objects.bulk_create(ScheduleMember(schedule=schedule, contact=c, position=i)
                                               for i, c in enumerate(members, start=1))
            self.report.change(f"set rotation of {spec.name!r}: " + ", ".join(c.name for c in members))
        self.schedules[spec.source_id] = schedule
        self._remember("schedule", spec.source_id, schedule)
        self._overrides(spec, schedule)

    def _overrides(self, spec: ScheduleSpec, schedule: Schedule) -> None:
        outcome = overrides_from_final(rotation=spec.rotation, time_zone=spec.time_zone, final=spec.final,
                                       explicit=spec.overrides)
        if outcome.gaps:
            self.report.unmapped.append(f"schedule {spec.name!r}: {outcome.gaps} stretches with nobody on call in "
                                        f"the source are covered by the rotation in the portal")
        if outcome.overlaps:
            self.report.unmapped.append(f"schedule {spec.name!r}: {outcome.overlaps} shifts overlap (several people "
                                        f"at once); the portal has one person on call, the later shift")
        prefix = f"{spec.source_id}|"
        existing = {sid: row for (kind, sid), row in self.maps.items() if kind == "override" and sid.startswith(prefix)}
        alive = set(ScheduleOverride.objects.filter(pk__in=[r.object_id for r in existing.values()])
                    .values_list("pk", flat=True))
        wanted = set()
        made = 0
        for o in outcome.overrides:
            contact = self.contacts.get(o.person_id)
            if contact is None:
                self.report.unmapped.append(f"schedule {spec.name!r}: override {o.start:%Y-%m-%d %H:%M} for "
                                            f"{o.person_id or 'nobody'} left out (not an imported contact)")
                continue
            key = f"{prefix}{o.start.isoformat()}|{o.end.isoformat()}|{o.person_id}"
            wanted.add(key)
            row = existing.get(key)
            if row is not None and row.object_id in alive:
                continue
            override = ScheduleOverride.objects.create(schedule=schedule, contact=contact, start=o.start, end=o.end,
                                                       note=f"imported from {self.source}",
                                                       created_by=f"import_from {self.source}")
            self._remember("override", key, override)
            made += 1
        stale = [row for sid, row in existing.items() if sid not in wanted]
        if stale:
            ScheduleOverride.objects.filter(pk__in=[r.object_id for r in stale]).delete()
            ImportedObject.objects.filter(pk__in=[r.pk for r in stale]).delete()
            for r in stale:
                self.maps.pop((r.kind, r.source_id), None)
            self.report.change(f"delete {len(stale)} overrides of {spec.name!r} no longer in the source")
        if made:
            self.report.change(f"create {made} overrides on {spec.name!r}")

    def _policy(self, spec: PolicySpec) -> None:
        policy = self._mapped("policy", spec.source_id)
        if policy is None and EscalationPolicy.objects.filter(name=spec.name[:200]).exists():
            self.report.unmapped.append(f"policy {spec.name!r}: a policy of that name exists and was not imported; "
                                        f"left alone")
            return
        levels = []
        for i, lv in enumerate(spec.levels, start=1):
            where = f"policy {spec.name!r} level {i}"
            contacts = self._people(lv.person_ids, where)
            schedule = self.schedules.get(lv.schedule_id) if lv.schedule_id else None
            if lv.schedule_id and schedule is None:
                self.report.unmapped.append(f"{where}: schedule {lv.schedule_id} was not imported; left out")
            if contacts or schedule:
                levels.append((sorted(c.pk for c in contacts), schedule.pk if schedule else None,
                               max(1, min(lv.wait_seconds, 24 * 3600))))
        if not levels:
            self.report.unmapped.append(f"policy {spec.name!r}: no level pages anyone the portal knows; not imported")
            return
        repeat = min(spec.repeat, 20)
        if policy is None:
            policy = EscalationPolicy(name=spec.name[:200], repeat=repeat)
            policy.full_clean()
            policy.save()
            self.report.change(f"create policy {spec.name!r} with {len(levels)} levels")
        elif (policy.name, policy.repeat) != (spec.name[:200], repeat):
            policy.name, policy.repeat = spec.name[:200], repeat
            policy.full_clean()
            policy.save()
            self.report.change(f"update policy {spec.name!r}")
        current = [(sorted(c.pk for c in lv.contacts.all()), lv.schedule_id, lv.wait_seconds)
                   for lv in EscalationLevel.objects.filter(policy=policy).order_by("position", "id")
                   .prefetch_related("contacts")]
        if current != levels:
            EscalationLevel.objects.filter(policy=policy).delete()
            for position, (contact_ids, schedule_id, wait) in enumerate(levels, start=1):
                level = EscalationLevel.objects.create(policy=policy, position=position, schedule_id=schedule_id,
                                                       wait_seconds=wait, reminders=0)
                level.contacts.set(contact_ids)
            self.report.change(f"set levels of {spec.name!r}")
        else:
            self.report.unchanged += 1
        self.policies[spec.source_id] = policy
        self._remember("policy", spec.source_id, policy)

    def _integration(self, spec) -> None:
        policy = self.policies.get(spec.policy_id) if spec.policy_id else None
        if policy is None:
            self.report.unmapped.append(f"integration {spec.name!r}: its escalation was not imported; not mapped")
            return
        integration = self._mapped("integration", spec.source_id)
        if integration is None and AlertIntegration.objects.filter(name=spec.name[:200]).exists():
            self.report.unmapped.append(f"integration {spec.name!r}: one of that name exists and was not "
                                        f"imported; left alone")
            return
        if integration is None:
            integration = AlertIntegration.objects.create(name=spec.name[:200], default_policy=policy)
            self.report.change(f"create alert integration {spec.name!r} → {policy.name!r}")
        elif (integration.name, integration.default_policy_id) != (spec.name[:200], policy.pk):
            integration.name, integration.default_policy = spec.name[:200], policy
            integration.save()
            self.report.change(f"update alert integration {spec.name!r}")
        else:
            self.report.unchanged += 1
        self._remember("integration", spec.source_id, integration)


def plan_import(plan: Plan, *, dry_run: bool = False) -> Report:
    """Write ``plan``; everything or nothing. With ``dry_run`` the same writes are rolled back."""
    with transaction.atomic():
        report = Importer(plan).run()
        if dry_run:
            transaction.set_rollback(True)
    return report
