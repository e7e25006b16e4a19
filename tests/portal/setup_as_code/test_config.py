"""config export | apply | schema: export, apply to an empty portal, same answers; apply twice,
no change; a broken file changes nothing and names the path of each problem; --dry-run's exit
code says whether there is drift; --prune deletes only what the file's sections no longer hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import jsonschema
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.models import AlertIntegration, AlertRoute, EscalationPolicy
from incidents.policies import LevelSpec, policy_create
from messaging.api.keys import api_key_create
from messaging.models import Contact, Tag
from oncall.models import Schedule, ScheduleOverride
from oncall.selectors import oncall_at
from oncall.services import override_add, schedule_create

pytestmark = pytest.mark.django_db
PHONES = ["+12065550111", "+12065550112", "+12065550113"]
# Across the spring-forward in New York (8 March 2026) and a handoff either side of it.
INSTANTS = [datetime(2026, 3, d, h, m, tzinfo=UTC)
            for d in (6, 7, 8, 9, 10) for h, m in ((12, 59), (13, 0), (14, 0), (3, 30))]


def _setup():
    for i, phone in enumerate(PHONES):
        Contact.objects.create(name=f"Person {i}", phone=phone, email=f"p{i}@example.com")
    Tag.objects.create(name="overtime-east")
    day = schedule_create(name="Day", handoff=datetime(2026, 3, 2, 9, tzinfo=timezone.get_fixed_timezone(-300)),
                          turn_hours=24, time_zone="America/New_York", member_phones=PHONES)
    schedule_create(name="Night", handoff=datetime(2026, 3, 2, 21, tzinfo=UTC), turn_hours=12,
                    member_phones=PHONES[1:], notice_minutes=30)
    now = timezone.now()
    override_add(schedule=day, start=now + timedelta(days=1), end=now + timedelta(days=2), phone=PHONES[2],
                 note="swap")
    override_add(schedule=day, start=now - timedelta(days=10), end=now - timedelta(days=9), phone=PHONES[0])
    policy = policy_create(name="Ops", repeat=2, levels=[
        LevelSpec(schedule=day, wait_seconds=300, reminders=1),
        LevelSpec(phones=[PHONES[0], PHONES[2]], wait_seconds=600, reminders=0, voice=True)])
    other = policy_create(name="Low", levels=[LevelSpec(phones=[PHONES[1]], wait_seconds=60)])
    integ = AlertIntegration.objects.create(name="prometheus", default_policy=policy)
    AlertRoute.objects.create(integration=integ, position=1, matchers="severity=warning", policy=other)


def _export() -> str:
    out = StringIO()
    call_command("config", "export", stdout=out)
    return out.getvalue()


def _apply(path, *args) -> str:
    out = StringIO()
    err = StringIO()
    try:
        call_command("config", "apply", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue()


def _answers(now):
    out = {}
    for s in Schedule.objects.order_by("name"):
        for at in [*INSTANTS, now + timedelta(hours=36), now + timedelta(days=5)]:
            answer = oncall_at(schedule=s, at=at)
            out[(s.name, at)] = answer.person.phone if answer.person else None
    return out


def _wipe():
    AlertIntegration.objects.all().delete()
    EscalationPolicy.objects.all().delete()
    Schedule.objects.all().delete()
    Contact.objects.all().delete()
    Tag.objects.all().delete()


def _state():
    return (sorted(Schedule.objects.values_list("name", "time_zone", "handoff", "turn_hours", "notice_minutes",
                                                "updated_at")),
            sorted(ScheduleOverride.objects.values_list("id", "start", "end", "note")),
            sorted(EscalationPolicy.objects.values_list("id", "name", "repeat", "updated_at")),
            sorted(Contact.objects.values_list("id", "name", "phone", "email", "updated_at")),
            sorted(AlertRoute.objects.values_list("id", "matchers")),
            sorted(Tag.objects.values_list("id", "name")))


def test_export_then_apply_to_an_empty_portal_gives_the_same_answers_and_the_same_file(tmp_path):
    _setup()
    text = _export()
    now = timezone.now()
    before = _answers(now)
    assert len({v for v in before.values()}) == 3
    _wipe()
    path = tmp_path / "setup.yaml"
    path.write_text(text, encoding="utf-8")
    out = _apply(path)
    assert "create schedule 'Day'" in out and "create policy 'Ops'" in out and "create alert integration" in out
    assert _answers(now) == before
    assert _export().split("\n", 2)[2] == text.split("\n", 2)[2]  # all but the header's time
    ops = EscalationPolicy.objects.get(name="Ops")
    assert [(lv.schedule.name if lv.schedule else None, lv.wait_seconds, lv.reminders, lv.voice)
            for lv in ops.levels.order_by("position")] == [("Day", 300, 1, False), (None, 600, 0, True)]
    assert Contact.objects.get(phone=PHONES[1]).name == "Person 1"
    # Past overrides are history, not setup.
    assert not ScheduleOverride.objects.filter(end__lt=timezone.now()).exists()


def test_applying_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    _setup()
    path = tmp_path / "setup.yaml"
    path.write_text(_export(), encoding="utf-8")
    _wipe()
    _apply(path)
    before = _state()
    assert _apply(path).strip() == "No changes."
    assert _state() == before
    assert _apply(path, "--dry-run").strip() == "No changes."  # no drift: exit 0


def test_a_file_whose_overrides_have_ended_applies_again_with_no_change(tmp_path):
    """A file kept in git outlives its overrides: applying it again later must still change nothing
    (the one that ended last used to be made again each time: found by the date sweep)."""
    now = timezone.now()
    path = tmp_path / "setup.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "people": [{"phone": PHONES[0], "name": "Person 0"}, {"phone": PHONES[1], "name": "Person 1"}],
        "schedules": [{"name": "Day", "time_zone": "America/New_York", "turn_hours": 24,
                       "handoff": (now - timedelta(days=30)).isoformat(), "members": PHONES[:2],
                       "overrides": [{"phone": PHONES[1], "start": (now - timedelta(days=3)).isoformat(),
                                      "end": (now - timedelta(days=2)).isoformat()}]}]}), encoding="utf-8")
    assert "create override 'Day'" in _apply(path)
    assert _apply(path).strip() == "No changes."
    assert ScheduleOverride.objects.count() == 1


def test_dry_run_prints_the_plan_changes_nothing_and_exits_2_on_drift(tmp_path):
    _setup()
    document = yaml.safe_load(_export())
    document["schedules"][0]["turn_hours"] = 48
    document["schedules"].append({"name": "New", "handoff": "2026-03-02T00:00:00Z", "turn_hours": 8,
                                  "members": ["+12065550199"]})
    path = tmp_path / "drift.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    before = _state()
    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("config", "apply", str(path), "--dry-run", stdout=out)
    assert info.value.returncode == 2
    assert "update schedule 'Day': turn_hours" in out.getvalue()
    assert "create schedule 'New'" in out.getvalue() and "create contact '+12065550199'" in out.getvalue()
    assert _state() == before and not Contact.objects.filter(phone="+12065550199").exists()


@pytest.mark.parametrize(("break_it", "expected"), [
    (lambda d: d["schedules"][1]["members"].__setitem__(0, "2065550111"),
     "schedules[1].members[0]: '2065550111' does not match"),
    (lambda d: d["schedules"][0].update(time_zone="Mars/Olympus"),
     "schedules[0].time_zone: 'Mars/Olympus' is not an IANA"),
    (lambda d: d["policies"][1]["levels"][0].update(schedule="Nope"),
     "policies[1].levels[0].schedule: no schedule is named 'Nope'"),
    (lambda d: d["schedules"][0]["overrides"][0].update(end="2020-01-01T00:00:00Z"),
     "schedules[0].overrides[0].end: an override must end after it starts"),
    (lambda d: d["alert_integrations"][0]["routes"][0].update(matchers="severity=~("),
     "alert_integrations[0].routes[0].matchers: 'severity=~(': bad regular expression"),
    (lambda d: d["schedules"][0].update(turn_hours="a day"),
     "schedules[0].turn_hours: 'a day' is not of type 'integer'"),
    (lambda d: d["policies"][0].update(token="s3cr3t"),
     "policies[0]: Additional properties are not allowed ('token' was unexpected)"),
    (lambda d: d["schedules"].append(dict(d["schedules"][0])), "schedules[2].name: 'Day' is already schedules[0]"),
], ids=["phone", "zone", "unknown schedule", "override ends first", "bad regex", "type", "unknown key", "duplicate"])
def test_a_broken_file_changes_nothing_and_names_the_path(tmp_path, break_it, expected):
    _setup()
    document = yaml.safe_load(_export())
    document["schedules"][0]["turn_hours"] = 12  # a real change that must not be made
    break_it(document)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    before = _state()
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing changed"):
        call_command("config", "apply", str(path), stdout=StringIO(), stderr=err)
    assert expected in err.getvalue()
    assert _state() == before


def test_not_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nschedules:\n  - name: [unclosed\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("config", "apply", str(path), stdout=StringIO(), stderr=err)
    assert "line 4" in err.getvalue() or "line 3" in err.getvalue()


def test_prune_deletes_what_the_file_no_longer_holds_and_keeps_the_past(tmp_path):
    _setup()
    document = yaml.safe_load(_export())
    document["schedules"] = [s for s in document["schedules"] if s["name"] == "Day"]
    document["schedules"][0].pop("overrides")
    document["alert_integrations"][0].pop("routes")
    document["policies"] = [p for p in document["policies"] if p["name"] == "Ops"]
    path = tmp_path / "smaller.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    without = _apply(path)
    assert "delete" not in without and Schedule.objects.filter(name="Night").exists()
    out = _apply(path, "--prune")
    assert "delete schedule 'Night'" in out and "delete policy 'Low'" in out and "delete override 'Day'" in out
    assert list(Schedule.objects.values_list("name", flat=True)) == ["Day"]
    day = Schedule.objects.get(name="Day")
    assert list(day.overrides.values_list("note", flat=True)) and all(
        o.end < timezone.now() for o in day.overrides.all())  # the past override stays
    assert _apply(path, "--prune").strip() == "No changes."


def test_schema_is_printed_and_every_export_satisfies_it():
    _setup()
    out = StringIO()
    call_command("config", "schema", stdout=out)
    schema = json.loads(out.getvalue())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(_export()), schema)
    assert {"people", "tags", "schedules", "policies", "alert_integrations"} <= set(schema["properties"])


def test_no_secret_is_exported():
    _setup()
    _, raw = api_key_create(name="ci")
    text = _export()
    assert raw not in text and "Not in this file: secrets" in text
