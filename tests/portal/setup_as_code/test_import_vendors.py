"""import_from against each vendor's documented answers: the portal says the same person is on
call as the vendor's own "who is on call" endpoint, at many instants and across a DST change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messaging.models import Contact
from oncall.models import ScheduleMember, ScheduleOverride
from oncall.selectors import oncall_at
from tests.portal.setup_as_code.vendor_files import at, fixture, imported, run_import, write_file

pytestmark = pytest.mark.django_db


def _instants(start, end):
    """The first second, the next one, the middle and the last second of a stretch."""
    return [start, start + timedelta(seconds=1), start + (end - start) / 2, end - timedelta(seconds=1)]


def _phone(source, person_id):
    return imported(source, "contact", person_id).phone


def test_pagerduty_answers_as_pagerduty_oncalls_does(tmp_path):
    out = run_import("pagerduty", write_file(tmp_path, "pagerduty"))
    checked = 0
    for entry in fixture("pagerduty")["oncalls"]["oncalls"]:
        schedule = imported("pagerduty", "schedule", entry["schedule"]["id"])
        for instant in _instants(at(entry["start"]), at(entry["end"])):
            answer = oncall_at(schedule=schedule, at=instant)
            assert answer.person.phone == _phone("pagerduty", entry["user"]["id"]), (schedule.name, instant)
            checked += 1
    assert checked >= 50
    primary = imported("pagerduty", "schedule", "PI7DH85")
    # The weekly layer alone reproduces PagerDuty's answer across the spring-forward on 8 March:
    # the only override is Carol's own.
    assert (primary.time_zone, primary.turn_hours) == ("America/New_York", 168)
    assert list(ScheduleOverride.objects.filter(schedule=primary).values_list("contact__name", flat=True)) == [
        "Carol Novak"]
    assert oncall_at(schedule=primary, at=at("2026-03-09T13:00:00Z")).person.name == "Bob Diaz"  # 09:00 EDT
    assert oncall_at(schedule=primary, at=at("2026-03-09T12:59:59Z")).person.name == "Alice Ito"
    # Beyond the rendered window the rotation goes on: 30 March is Bob's week.
    assert oncall_at(schedule=primary, at=at("2026-04-01T12:00:00Z")).person.name == "Bob Diaz"
    assert "restrictions the portal cannot express" in out
    assert "person 'Frank Ode' <frank@example.com>: no phone number" in out
    assert "push_notification_contact_method not mapped" in out
    alice = Contact.objects.get(phone="+12065550101")
    assert (alice.name, alice.email) == ("Alice Ito", "alice@example.com")
    assert ("rules of 'Alice Ito': sms after 0 s (high), voice after 300 s (high), email after 0 s (low)") in out
    assert sorted(alice.notification_rules.values_list("method", "after_seconds", "urgency")) == [
        ("email", 0, "low"), ("sms", 0, "high"), ("voice", 300, "high")]


def test_pagerduty_policy_levels_waits_and_repeats(tmp_path):
    from incidents.models import EscalationPolicy

    run_import("pagerduty", write_file(tmp_path, "pagerduty"))
    policy = EscalationPolicy.objects.get(name="Engineering Escalation Policy")
    levels = list(policy.levels.order_by("position"))
    assert policy.repeat == 2
    assert [(lv.schedule.name if lv.schedule else None, lv.wait_seconds, lv.reminders) for lv in levels] == [
        ("Primary", 1800, 0), (None, 900, 0)]
    assert sorted(levels[1].contacts.values_list("name", flat=True)) == ["Bob Diaz", "Carol Novak"]


def test_opsgenie_answers_as_opsgenie_on_calls_does_across_both_dst_changes(tmp_path):
    from incidents.heartbeats.models import Heartbeat

    out = run_import("opsgenie", write_file(tmp_path, "opsgenie"))
    for answer in fixture("opsgenie")["oncalls"]:
        schedule = imported("opsgenie", "schedule", answer["schedule"])
        who = answer["body"]["data"]["onCallParticipants"][0]["id"]
        got = oncall_at(schedule=schedule, at=at(answer["date"]))
        assert got.person.phone == _phone("opsgenie", who), answer["date"]
    assert "rotation 'Days' has a time restriction the portal cannot express" in out
    assert "recipient team Platform not mapped" in out
    # The heartbeat pages its owner team's escalation, with the source's interval.
    heartbeat = Heartbeat.objects.get(name="nightly-backup")
    assert (heartbeat.timeout_seconds, heartbeat.policy.name) == (86400, "Ops_escalation")
    assert "heartbeat 'nightly-backup': made (86400 s, policy 'Ops_escalation')" in out
    assert "1 notification rules not mapped" in out
    assert "mobile contact not mapped" in out
    assert "person 'sam lee' <sam.lee@opsgenie.com>: no phone number" in out


def test_opsgenie_escalation_delays_become_level_lengths(tmp_path):
    from incidents.models import EscalationPolicy

    run_import("opsgenie", write_file(tmp_path, "opsgenie"))
    policy = EscalationPolicy.objects.get(name="Ops_escalation")
    assert policy.repeat == 2
    levels = policy.levels.order_by("position")
    assert [(lv.schedule.name if lv.schedule else None, lv.wait_seconds) for lv in levels] == [
        ("Ops", 300), (None, 300)]


def _oncall_contacts():
    for c in fixture("oncall")["contacts"]:
        Contact.objects.create(**c)


def test_oncall_matches_users_by_email_and_answers_as_final_shifts(tmp_path):
    _oncall_contacts()
    out = run_import("oncall", write_file(tmp_path, "oncall"))
    schedule = imported("oncall", "schedule", "SBM7DV7BKFUYU")
    for shift in fixture("oncall")["file"]["/api/v1/schedules/SBM7DV7BKFUYU/final_shifts"]["results"]:
        phone = Contact.objects.get(email__iexact=shift["user_email"]).phone
        for instant in _instants(at(shift["shift_start"]), at(shift["shift_end"])):
            assert oncall_at(schedule=schedule, at=instant).person.phone == phone, instant
    # The rotation alone is right across the autumn change (25 October in Berlin): only Chris's
    # override is an override.
    assert ScheduleOverride.objects.filter(schedule=schedule).count() == 1
    assert Contact.objects.count() == 3  # OnCall has no phones: nobody new
    assert "person 'dana' <dana@example.com>: no phone number, and no contact has that email" in out
    assert "step 'notify_whole_channel' not mapped" in out and "it notifies Slack" in out
    assert "rule notify_by_slack not mapped" in out
    assert "heartbeat 'Grafana :blush:' not mapped: the source does not give its timeout" in out
    assert "'important' rule notify_by_phone_call not mapped" in out
    assert "shift Weekends (recurrent_event, weekly, days ['SA', 'SU'])" in out
    weekend = imported("oncall", "schedule", "SWEEKEND0001")
    assert not ScheduleMember.objects.filter(schedule=weekend).exists()


def test_oncall_chain_becomes_levels_and_the_integration_pages_it(tmp_path):
    from incidents.models import AlertIntegration

    _oncall_contacts()
    run_import("oncall", write_file(tmp_path, "oncall"))
    integration = AlertIntegration.objects.get(name="Grafana :blush:")
    policy = integration.default_policy
    assert policy.name == "default" and policy.repeat == 5
    levels = list(policy.levels.order_by("position"))
    assert [(lv.schedule.name if lv.schedule else None, lv.wait_seconds) for lv in levels] == [
        ("Primary", 900), (None, 600)]
    assert sorted(levels[1].contacts.values_list("name", flat=True)) == ["Bea Roth", "Chris Lang"]
