"""Personal notification rules on a controlled clock: what each person gets, when, and when not."""

from __future__ import annotations

import copy

import pytest

from incidents.alerts.alertmanager import alertmanager_parse
from incidents.alerts.intake import alert_receive
from incidents.models import AlertSource, EventKind, Incident, IncidentStatus, Urgency
from incidents.services import incident_acknowledge, incident_open
from incidents.texts import incident_voice_text
from messaging.models import Contact, NotificationRule, OutboundMessage, Timer, TimerState
from messaging.notification_rules import notification_rules_summary, notification_rules_warning
from messaging.scheduling.timers import timer_fire
from tests.support.alerts import ALERTMANAGER_FIRING
from tests.support.incidents import ANA, BEN, at, reply, sms_to, timeline

pytestmark = pytest.mark.django_db


def rules(contact: Contact, *spec) -> None:
    for method, after, *urgency in spec:
        NotificationRule.objects.create(contact=contact, method=method, after_seconds=after,
                                        urgency=urgency[0] if urgency else "any")


def sent(phone: str, channel: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(recipient=phone, channel=channel).order_by("id"))


def refreshed(incident: Incident) -> Incident:
    incident.refresh_from_db()
    return incident


def test_a_person_without_rules_is_paged_as_before(people):
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0)
    assert len(sms_to(ANA)) == 1
    assert OutboundMessage.objects.exclude(channel="sms").count() == 0
    assert Timer.objects.filter(callback="incidents.tasks.incident_rule_fire").count() == 0
    assert timeline(incident) == [("notified", ANA)]


def test_sms_at_once_and_a_call_after_3_s_each_one_message_and_one_timeline_entry(people):
    rules(people[ANA], ("sms", 0), ("voice", 3))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0)
    [sms] = sent(ANA, "sms")
    assert sent(ANA, "voice") == []
    [timer] = Timer.objects.filter(callback="incidents.tasks.incident_rule_fire")
    assert timer.owner == incident and timer.state == TimerState.PENDING
    assert 2.9 < (timer.due_at - sms.created_at).total_seconds() <= 3.0
    assert "call after 3 s" in timer.label and "Ana" in timer.label

    at(incident, 2.5)
    assert sent(ANA, "voice") == []
    at(incident, 3.5)
    [call] = sent(ANA, "voice")
    assert call.body == incident_voice_text(incident=incident)
    assert timeline(incident) == [("notified", ANA), ("notified", ANA)]
    notes = list(incident.events.order_by("id").values_list("note", flat=True))
    assert notes == ["rule: SMS at once", "rule: call after 3 s"]
    # The timer machinery fires a row once: a second run (a duplicate task) sends nothing.
    assert timer_fire(timer_id=timer.pk) is False
    assert len(sent(ANA, "voice")) == 1


def test_acknowledging_first_stops_the_call(people):
    rules(people[ANA], ("sms", 0), ("voice", 3))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0)
    reply(ANA, f"YES {incident.reference}")
    assert refreshed(incident).status == IncidentStatus.ACKNOWLEDGED
    at(incident, 10)
    assert sent(ANA, "voice") == []
    assert Timer.objects.get(callback="incidents.tasks.incident_rule_fire").state == TimerState.CANCELLED


def test_a_low_rule_never_fires_for_a_high_incident(people):
    rules(people[ANA], ("sms", 0, "low"), ("email", 5, "low"), ("voice", 2, "high"))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0)
    assert incident.urgency == Urgency.HIGH
    at(incident, 30)
    assert sent(ANA, "sms") == [] and sent("ana@example.com", "email") == []
    assert len(sent(ANA, "voice")) == 1


def test_a_low_incident_runs_the_low_and_any_rules(people):
    rules(people[ANA], ("sms", 0, "low"), ("email", 5, "any"), ("voice", 2, "high"))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0,
                             urgency=Urgency.LOW)
    at(incident, 30)
    assert len(sent(ANA, "sms")) == 1 and sent(ANA, "voice") == []
    [email] = sent("ana@example.com", "email")
    assert email.subject.startswith(f"[#{incident.reference}]")


def test_a_person_whose_rules_all_miss_the_urgency_is_skipped_and_said_so(people):
    rules(people[ANA], ("sms", 0, "low"))
    incident = incident_open(description="Gas leak", contacts=[people[ANA], people[BEN]], wait_seconds=60,
                             reminders=0)
    assert sent(ANA, "sms") == []
    skipped = incident.events.get(kind=EventKind.SKIPPED)
    assert "no notification rule for high urgency" in skipped.note
    assert refreshed(incident).level == 2 and len(sms_to(BEN)) == 1  # nobody reachable on level 1


def test_a_rule_does_nothing_once_the_incident_escalated_past_its_level(people):
    rules(people[ANA], ("sms", 0), ("voice", 90))
    incident = incident_open(description="Gas leak", contacts=[people[ANA], people[BEN]], wait_seconds=60,
                             reminders=0)
    at(incident, 60.5)
    assert refreshed(incident).level == 2
    at(incident, 100)
    assert sent(ANA, "voice") == []
    timer = Timer.objects.get(callback="incidents.tasks.incident_rule_fire")
    assert timer.state == TimerState.FIRED  # it ran, and found the level passed


def test_a_rule_does_nothing_for_a_person_who_declined(people, policy_factory):
    rules(people[ANA], ("sms", 0), ("whatsapp", 20))
    policy = policy_factory([([ANA, BEN], 60, 0, False)])
    incident = incident_open(description="Gas leak", policy=policy)
    reply(ANA, f"NO {incident.reference}")
    assert refreshed(incident).status == IncidentStatus.NOT_ACKNOWLEDGED  # Ben still paged
    at(incident, 30)
    assert sent(ANA, "whatsapp") == []


def test_a_whatsapp_rule_goes_to_the_contacts_whatsapp_number(people):
    people[ANA].whatsapp = "+12065550199"
    people[ANA].save()
    rules(people[ANA], ("whatsapp", 0))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0)
    [msg] = sent("+12065550199", "whatsapp")
    assert f"YES {incident.reference}" in msg.body


def test_reminders_go_on_as_before_for_a_person_with_rules(people):
    rules(people[ANA], ("voice", 0))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=1)
    assert len(sent(ANA, "voice")) == 1 and sms_to(ANA) == []
    at(incident, 60)
    assert len(sms_to(ANA)) == 1 and "Reminder" in sms_to(ANA)[0]


def test_a_yes_by_text_after_a_call_acknowledges(people):
    rules(people[ANA], ("voice", 0))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0)
    reply(ANA, f"YES {incident.reference}")
    assert refreshed(incident).status == IncidentStatus.ACKNOWLEDGED


def test_alert_severity_critical_or_page_is_high_else_the_policys(people, policy_factory):
    policy = policy_factory([([ANA], 60, 0, False)])
    policy.urgency = Urgency.LOW
    policy.save()
    outcomes = {}
    for severity in ("critical", "PAGE", "warning"):
        body = copy.deepcopy(ALERTMANAGER_FIRING)
        body["groupKey"] = f"{{}}:{{alertname={severity}}}"
        body["commonLabels"]["severity"] = severity
        for alert in body["alerts"]:
            alert["labels"]["severity"] = severity
        outcome = alert_receive(source=AlertSource.ALERTMANAGER, body=body, parsed=alertmanager_parse(body),
                                policy_id=policy.pk)
        outcomes[severity] = Incident.objects.get(pk=outcome.incident_id).urgency
    assert outcomes == {"critical": "high", "PAGE": "high", "warning": "low"}


def test_the_rules_read_as_a_sentence_and_warn_when_none_fires_at_once():
    spec = [NotificationRule(method="email", after_seconds=600), NotificationRule(method="sms", after_seconds=0),
            NotificationRule(method="voice", after_seconds=120),
            NotificationRule(method="whatsapp", after_seconds=90, urgency="low")]
    assert notification_rules_summary(spec) == ("SMS at once, WhatsApp after 1 min 30 s (low urgency), "
                                                "call after 2 min, email after 10 min")
    assert notification_rules_warning(spec) == ""
    assert "No rule fires at once" in notification_rules_warning(spec[2:])
    assert notification_rules_warning([]) == ""


def test_a_dispatcher_acknowledgement_still_needs_a_page(people):
    rules(people[ANA], ("voice", 30))
    incident = incident_open(description="Gas leak", contacts=[people[ANA]], wait_seconds=60, reminders=0)
    outcome = incident_acknowledge(incident_id=incident.pk, contact=people[ANA], by="jo")
    assert not outcome.changed  # nothing reached Ana yet
    at(incident, 31)
    assert len(sent(ANA, "voice")) == 1
