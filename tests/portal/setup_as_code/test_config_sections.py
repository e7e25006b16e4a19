"""config export | apply for heartbeats, templates, topics, a policy's urgency and a level's
ack_all, and people's zone, locale and rules: export, apply to an emptied portal, the same
objects; apply twice, no change; a broken entry changes nothing and names its path; --prune
deletes within the section; a heartbeat's token (its ping URL's secret) is never in the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from incidents.heartbeats.models import Heartbeat, HeartbeatState
from incidents.heartbeats.services import heartbeat_create, heartbeat_pause, heartbeat_ping
from incidents.models import EscalationLevel, EscalationPolicy
from messaging.email_in.rules import auto_reply_create
from messaging.models import (
    Contact,
    EmailAutoReply,
    NotificationRule,
    Template,
    TemplateVariant,
    Timer,
    TimerState,
    Topic,
)
from messaging.notification_rules import notification_rules_set
from messaging.templates.services import template_save
from tests.portal.setup_as_code.test_config import PHONES, _apply, _export, _setup, _state, _wipe

pytestmark = pytest.mark.django_db
PING = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _setup_all():
    _setup()
    ops = EscalationPolicy.objects.get(name="Ops")
    EscalationPolicy.objects.filter(name="Low").update(urgency="low")
    EscalationLevel.objects.filter(policy=ops, position=2).update(ack_all=True)
    Contact.objects.filter(phone=PHONES[0]).update(time_zone="America/Chicago", locale="es-MX")
    notification_rules_set(contact=Contact.objects.get(phone=PHONES[0]), rules=[
        {"method": "sms", "after_seconds": 0}, {"method": "voice", "after_seconds": 120, "urgency": "high"}])
    Topic.objects.create(name="Overtime offers", description="Extra shifts")
    Topic.objects.create(name="Incident pages", required=True)
    template_save(name="overtime.offer", description="An extra shift", placeholders=["shift_date"], variants=[
        {"channel": "sms", "body": "Hi {first_name}, work on {shift_date}?"},
        {"channel": "sms", "locale": "es", "body": "Hola {first_name}, ¿trabajas el {shift_date}?"},
        {"channel": "email", "body": "Work on {shift_date}?", "subject": "Overtime {shift_date}",
         "html": "<p>Work on {shift_date}?</p>"}])
    auto_reply_create(match="help@example.com", text="Dear {name}, we read every mail.", html="<p>Dear {name}</p>")
    auto_reply_create(match="@example.org", text="Thanks ({message_id}).", subject_prefix="Auto:")
    backup = heartbeat_create(name="nightly-backup", policy=ops, timeout_seconds=3600)
    heartbeat_ping(token=backup.token, now=PING)  # armed: a deadline timer waits
    heartbeat_pause(heartbeat=heartbeat_create(name="weekly-report", policy=ops, timeout_seconds=86400))
    return backup


def _wipe_all():
    Heartbeat.objects.all().delete()  # before the policies they name (PROTECT)
    _wipe()
    Template.objects.all().delete()
    Topic.objects.all().delete()
    EmailAutoReply.objects.all().delete()


def _state_all():
    return (_state(),
            sorted(Heartbeat.objects.values_list("id", "name", "policy__name", "timeout_seconds", "state",
                                                 "token", "generation")),
            sorted(Template.objects.values_list("id", "name", "description", "placeholders", "updated_at")),
            sorted(TemplateVariant.objects.values_list("id", "channel", "locale", "body", "subject", "html")),
            sorted(Topic.objects.values_list("id", "name", "description", "required")),
            sorted(EmailAutoReply.objects.values_list("id", "match", "subject_prefix", "text", "html", "enabled")),
            sorted(NotificationRule.objects.values_list("id", "method", "after_seconds", "urgency")),
            sorted(Contact.objects.values_list("phone", "time_zone", "locale")),
            sorted(EscalationPolicy.objects.values_list("name", "urgency")),
            sorted(EscalationLevel.objects.values_list("policy__name", "position", "ack_all")))


def _write(tmp_path, document, name="setup.yaml"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True),
                    encoding="utf-8")
    return path


def test_export_then_apply_to_an_emptied_portal_gives_the_same_objects_and_no_token(tmp_path):
    backup = _setup_all()
    text = _export()
    assert backup.token not in text and "token" not in text
    _wipe_all()
    out = _apply(_write(tmp_path, text))
    assert "create heartbeat 'nightly-backup'" in out and "create template 'overtime.offer'" in out
    assert "create topic 'Incident pages'" in out and "create email auto-reply '@example.org'" in out
    assert sorted(EmailAutoReply.objects.values_list("match", "subject_prefix", "html")) == [
        ("@example.org", "Auto:", ""), ("help@example.com", "Re:", "<p>Dear {name}</p>")]
    assert _export().split("\n", 2)[2] == text.split("\n", 2)[2]  # all but the header's time
    made = {h.name: h for h in Heartbeat.objects.all()}
    assert made["nightly-backup"].timeout_seconds == 3600 and made["nightly-backup"].policy.name == "Ops"
    assert made["nightly-backup"].token and made["nightly-backup"].token != backup.token  # a new secret
    assert made["nightly-backup"].state == HeartbeatState.NEW and made["weekly-report"].state == HeartbeatState.PAUSED
    template = Template.objects.get(name="overtime.offer")
    assert template.placeholders == ["shift_date"] and template.description == "An extra shift"
    assert sorted(template.variants.values_list("channel", "locale", "subject")) == [
        ("email", "", "Overtime {shift_date}"), ("sms", "", ""), ("sms", "es", "")]
    assert sorted(Topic.objects.values_list("name", "required")) == [("Incident pages", True),
                                                                     ("Overtime offers", False)]
    assert EscalationPolicy.objects.get(name="Low").urgency == "low"
    assert list(EscalationLevel.objects.filter(policy__name="Ops").order_by("position")
                .values_list("ack_all", flat=True)) == [False, True]
    person = Contact.objects.get(phone=PHONES[0])
    assert (person.time_zone, person.locale) == ("America/Chicago", "es-MX")
    assert sorted(person.notification_rules.values_list("method", "after_seconds", "urgency")) == [
        ("sms", 0, "any"), ("voice", 120, "high")]


def test_applying_the_same_file_twice_changes_nothing(tmp_path):
    _setup_all()
    path = _write(tmp_path, _export())
    assert _apply(path).strip() == "No changes."  # the portal it came from
    _wipe_all()
    _apply(path)
    before = _state_all()
    assert _apply(path).strip() == "No changes."
    assert _state_all() == before


def test_edits_in_the_file_are_made_and_a_shorter_timeout_rearms_the_heartbeat(tmp_path):
    backup = _setup_all()
    document = yaml.safe_load(_export())
    beats = {h["name"]: h for h in document["heartbeats"]}
    beats["nightly-backup"]["timeout_seconds"] = 600
    beats["nightly-backup"]["paused"] = False
    beats["weekly-report"].pop("paused")  # resumed
    document["templates"][0]["variants"][0]["body"] = "Hi {name}, {shift_date}?"
    document["topics"][0]["required"] = False
    document["people"][0]["rules"] = []
    document["email_auto_replies"][0]["enabled"] = False
    policies = {p["name"]: p for p in document["policies"]}
    policies["Low"].pop("urgency")  # high, the default
    policies["Ops"]["urgency"] = "low"
    out = _apply(_write(tmp_path, document))
    assert "update heartbeat 'nightly-backup': timeout_seconds" in out
    assert "update heartbeat 'weekly-report': resumed" in out
    assert "update template 'overtime.offer': variants" in out and "update topic 'Incident pages': required" in out
    backup.refresh_from_db()
    assert backup.token == Heartbeat.objects.get(pk=backup.pk).token  # an existing heartbeat keeps its URL
    pending = Timer.objects.filter(state=TimerState.PENDING, callback="incidents.tasks.heartbeat_deadline",
                                   kwargs__generation=backup.generation)
    assert [t.due_at for t in pending] == [PING + timedelta(seconds=600)]
    assert Heartbeat.objects.get(name="weekly-report").state == HeartbeatState.NEW
    assert not NotificationRule.objects.filter(contact__phone=PHONES[0]).exists()
    assert TemplateVariant.objects.filter(body="Hi {name}, {shift_date}?").count() == 1
    assert not Topic.objects.get(name="Incident pages").required
    assert "update email auto-reply '@example.org': enabled" in out
    assert not EmailAutoReply.objects.get(match="@example.org").enabled
    assert dict(EscalationPolicy.objects.values_list("name", "urgency")) == {"Low": "high", "Ops": "low"}


@pytest.mark.parametrize(("break_it", "expected"), [
    (lambda d: d["templates"][0]["variants"][1].update(body="Hola {nombre}"), "templates[0].variants[1].body: "),
    (lambda d: d["templates"][0]["variants"].append({"channel": "sms", "body": "again"}),
     "templates[0].variants[3].locale: Two sms variants"),
    (lambda d: d["templates"][0]["variants"][0].update(channel="fax"), "templates[0].variants[0].channel: 'fax'"),
    (lambda d: d["heartbeats"][0].update(policy="Nope"), "heartbeats[0].policy: no policy is named 'Nope'"),
    (lambda d: d["heartbeats"][0].update(token="s3cr3t"),
     "heartbeats[0]: Additional properties are not allowed ('token' was unexpected)"),
    (lambda d: d["heartbeats"][1].update(timeout_seconds=1), "heartbeats[1].timeout_seconds: 1 is less than"),
    (lambda d: d["topics"].append({"name": "Incident pages"}), "topics[2].name: 'Incident pages' is already topics[0]"),
    (lambda d: d["people"][0].update(time_zone="Mars/Olympus"), "people[0].time_zone: 'Mars/Olympus' is not an IANA"),
    (lambda d: d["people"][0]["rules"][0].update(method="pigeon"), "people[0].rules[0].method: 'pigeon' is not one of"),
    (lambda d: d["policies"][0].update(urgency="urgent"), "policies[0].urgency: 'urgent' is not one of"),
    (lambda d: d["email_auto_replies"][1].update(text="Hi {nom}"), "email_auto_replies[1].text: Unknown placeholder"),
    (lambda d: d["email_auto_replies"][0].update(match="HELP@example.com"),
     "email_auto_replies[1].match: 'help@example.com' is already email_auto_replies[0]"),
    (lambda d: d["email_auto_replies"][0].update(match="example.org"), "email_auto_replies[0].match: 'example.org'"),
], ids=["placeholder", "two defaults", "channel", "policy", "token", "timeout", "topic twice", "zone", "rule",
        "urgency", "auto-reply placeholder", "auto-reply twice", "auto-reply match"])
def test_a_broken_entry_changes_nothing_and_names_its_path(tmp_path, break_it, expected):
    _setup_all()
    document = yaml.safe_load(_export())
    document["topics"][1]["description"] = "changed"  # a real change that must not be made
    document["heartbeats"][0]["timeout_seconds"] = 60
    break_it(document)
    before = _state_all()
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing changed"):
        call_command("config", "apply", str(_write(tmp_path, document)), stdout=StringIO(), stderr=err)
    assert expected in err.getvalue()
    assert _state_all() == before


def test_prune_deletes_heartbeats_templates_and_topics_the_file_no_longer_holds(tmp_path):
    _setup_all()
    Topic.objects.create(name="Newsletter")
    template_save(name="farewell", variants=[{"channel": "sms", "body": "Bye {name}"}])
    document = yaml.safe_load(_export())
    document["heartbeats"] = [h for h in document["heartbeats"] if h["name"] == "weekly-report"]
    document["templates"] = [t for t in document["templates"] if t["name"] == "overtime.offer"]
    document["topics"] = [t for t in document["topics"] if t["name"] != "Newsletter"]
    document["email_auto_replies"] = document["email_auto_replies"][1:]
    path = _write(tmp_path, document)
    assert "delete" not in _apply(path)
    out = _apply(path, "--prune")
    assert "delete heartbeat 'nightly-backup'" in out and "delete template 'farewell'" in out
    assert "delete topic 'Newsletter'" in out and "delete email auto-reply '@example.org'" in out
    assert list(Heartbeat.objects.values_list("name", flat=True)) == ["weekly-report"]
    assert list(Template.objects.values_list("name", flat=True)) == ["overtime.offer"]
    assert _apply(path, "--prune").strip() == "No changes."


def test_prune_of_a_policy_a_heartbeat_still_names_changes_nothing_and_says_why(tmp_path):
    _setup_all()
    document = yaml.safe_load(_export())
    path = _write(tmp_path, {"version": 1, "policies": [p for p in document["policies"] if p["name"] == "Low"]})
    before = _state_all()
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing changed"):
        call_command("config", "apply", str(path), "--prune", stdout=StringIO(), stderr=err)
    assert ("policies: policy 'Ops' is not in the file but a heartbeat or an alert integration names it"
            in err.getvalue())
    assert _state_all() == before
    # With the heartbeats and integrations in the file, pointed at Low, the same prune goes through.
    document["policies"] = [p for p in document["policies"] if p["name"] == "Low"]
    for item in document["heartbeats"]:
        item["policy"] = "Low"
    document["alert_integrations"] = []
    out = _apply(_write(tmp_path, document, "moved.yaml"), "--prune")
    assert "delete policy 'Ops'" in out and set(Heartbeat.objects.values_list("policy__name", flat=True)) == {"Low"}


def test_the_schema_says_the_token_is_never_in_the_file():
    out = StringIO()
    call_command("config", "schema", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert {"heartbeats", "templates", "topics", "email_auto_replies"} <= set(schema["properties"])
    assert "never in the file" in schema["properties"]["heartbeats"]["items"]["description"]
    assert "token" not in schema["properties"]["heartbeats"]["items"]["properties"]
