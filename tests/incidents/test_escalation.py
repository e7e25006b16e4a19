"""Escalation on a controlled clock: paging, reminders, escalation, giving up, replies."""

from __future__ import annotations

import pytest

from incidents.inbound import reply_parse
from incidents.models import EscalationLevel, EventKind, Incident, IncidentStatus
from incidents.services import incident_open, incident_repage, incident_resolve, incident_step_fire
from messaging.consent.optouts import optout_record
from messaging.models import InboundStatus, MessageStatus, OutboundMessage, Timer, TimerState
from tests.support.incidents import ANA, BEN, CLEO, DEV, STRANGER, at, reply, sms_to, timeline, two_way_sms

pytestmark = pytest.mark.django_db
HANDLER = "incidents.inbound.incident_reply_handler"


def open_for(people, *phones, wait=60, reminders=1, **kw) -> Incident:
    return incident_open(description="Gas leak at 5 Main St", url="https://maps.example/5-main",
                         contacts=[people[p] for p in phones], wait_seconds=wait, reminders=reminders, **kw)


def refreshed(incident: Incident) -> Incident:
    incident.refresh_from_db()
    return incident


class TestTiming:
    def test_contact_one_is_texted_at_once_with_the_reference_and_how_to_answer(self, people):
        incident = open_for(people, ANA, BEN)
        ref = incident.reference
        [body] = sms_to(ANA)
        assert body == f"[#{ref}] Gas leak at 5 Main St https://maps.example/5-main\nReply YES {ref} to accept, " \
                       f"NO {ref} to decline"
        msg = OutboundMessage.objects.get(recipient=ANA)
        assert msg.options == {"message_type": "TRANSACTIONAL"} and msg.parts == 1
        assert sms_to(BEN) == []
        timer = Timer.objects.get(state=TimerState.PENDING)
        assert (timer.due_at - incident.created_at).total_seconds() == 60
        assert timer.kwargs == {"incident_id": incident.pk, "step": incident.step}
        assert timer.owner == incident

    def test_reminders_then_escalation_then_unacknowledged_on_the_contract_clock(self, people):
        incident = open_for(people, ANA, BEN, wait=60, reminders=1)
        assert at(incident, 59) == 0
        assert at(incident, 60) == 1
        assert len(sms_to(ANA)) == 2 and "Reminder" in sms_to(ANA)[1]
        assert sms_to(BEN) == []
        assert at(incident, 119) == 0
        at(incident, 120)
        assert len(sms_to(BEN)) == 1 and len(sms_to(ANA)) == 2
        assert refreshed(incident).level == 2
        at(incident, 180)
        assert len(sms_to(BEN)) == 2
        assert refreshed(incident).status == IncidentStatus.NOT_ACKNOWLEDGED
        at(incident, 240)
        assert refreshed(incident).status == IncidentStatus.UNACKNOWLEDGED
        assert timeline(incident) == [
            ("notified", ANA), ("reminded", ANA), ("escalated", None), ("notified", BEN), ("reminded", BEN),
            ("unacknowledged", None)]
        assert not Timer.objects.filter(state=TimerState.PENDING).exists()
        assert at(incident, 10_000) == 0

    @pytest.mark.parametrize("reminders", [0, 2])
    def test_the_number_of_reminders_decides_when_the_next_contact_is_paged(self, people, reminders):
        incident = open_for(people, ANA, BEN, wait=10, reminders=reminders)
        for k in range(1, reminders + 1):
            at(incident, 10 * k)
            assert len(sms_to(ANA)) == 1 + k and sms_to(BEN) == []
        at(incident, 10 * (reminders + 1) - 1)
        assert sms_to(BEN) == []
        at(incident, 10 * (reminders + 1))
        assert len(sms_to(BEN)) == 1

    def test_a_policy_level_pages_its_contacts_together_and_can_call_them(self, people, policy_factory):
        policy = policy_factory([([ANA, BEN], 30, 0, True), ([CLEO], 30, 0, False)])
        incident = incident_open(description="Leak", policy=policy)
        assert len(sms_to(ANA)) == len(sms_to(BEN)) == 1
        calls = OutboundMessage.objects.filter(channel="voice").values_list("recipient", "body")
        assert {r for r, _ in calls} == {ANA, BEN}
        assert all(f"reply YES {incident.reference}" in b for _, b in calls)
        at(incident, 30)
        assert len(sms_to(CLEO)) == 1

    def test_repeat_runs_the_chain_again_then_the_final_action_reaches_the_duty_manager(self, people, policy_factory):
        policy = policy_factory([([ANA], 10, 0, False), ([BEN], 10, 0, False)], repeat=1, final_action="sms",
                                final_contact=CLEO)
        incident = incident_open(description="Leak", policy=policy)
        for t in (10, 20, 30):
            at(incident, t)
        assert len(sms_to(ANA)) == 2 and len(sms_to(BEN)) == 2
        assert refreshed(incident).round == 2
        assert sms_to(CLEO) == []
        at(incident, 40)
        assert refreshed(incident).status == IncidentStatus.UNACKNOWLEDGED
        [note] = sms_to(CLEO)
        assert "UNACKNOWLEDGED" in note
        assert timeline(incident)[-2:] == [("unacknowledged", None), ("final_action", CLEO)]

    @pytest.mark.parametrize("kind,channel", [("email", "email"), ("voice", "voice")])
    def test_the_final_action_can_be_an_email_or_a_call(self, people, policy_factory, kind, channel):
        policy = policy_factory([([ANA], 5, 0, False)], final_action=kind, final_contact=CLEO)
        incident = incident_open(description="Leak", policy=policy)
        at(incident, 5)
        final = OutboundMessage.objects.get(channel=channel)
        assert final.recipient == ("cleo@example.com" if kind == "email" else CLEO)

    def test_editing_the_policy_does_not_change_a_running_incident(self, people, policy_factory):
        policy = policy_factory([([ANA], 10, 0, False), ([BEN], 10, 0, False)])
        incident = incident_open(description="Leak", policy=policy)
        level2 = EscalationLevel.objects.get(policy=policy, position=2)
        level2.contacts.set([people[DEV]])
        level2.wait_seconds = 1
        level2.save()
        at(incident, 10)
        assert len(sms_to(BEN)) == 1 and sms_to(DEV) == []
        assert incident.snapshot["levels"][1]["contacts"][0]["phone"] == BEN

    def test_a_stale_or_duplicate_step_does_nothing(self, people):
        incident = open_for(people, ANA, BEN, wait=10)
        step = incident.step
        assert incident_step_fire(incident_id=incident.pk, step=step) == "fired"
        assert incident_step_fire(incident_id=incident.pk, step=step) == "stale"
        assert len(sms_to(ANA)) == 2

    def test_a_contact_who_opted_out_is_skipped_on_the_timeline_and_the_next_is_paged(self, people):
        optout_record(phone=ANA, keyword="STOP", source="keyword")
        incident = open_for(people, ANA, BEN)
        assert OutboundMessage.objects.get(recipient=ANA).status == MessageStatus.SUPPRESSED
        assert timeline(incident) == [("skipped", ANA), ("escalated", None), ("notified", BEN)]
        assert len(sms_to(BEN)) == 1


class TestReplyParsing:
    @pytest.mark.parametrize("text,expected", [
        ("YES", ("YES", None)), ("yes", ("YES", None)), ("  Yes  ", ("YES", None)), ("y", ("YES", None)),
        ("ACK", ("YES", None)), ("ack 7", ("YES", 7)), ("YES 42", ("YES", 42)), ("yes #42", ("YES", 42)),
        ("YES42", ("YES", 42)), ("Yes.", ("YES", None)), ("NO", ("NO", None)), ("n", ("NO", None)),
        ("No 43", ("NO", 43)), (" no  43 ", ("NO", 43)),
    ])
    def test_accept_and_decline_words(self, text, expected):
        assert reply_parse(text) == expected

    @pytest.mark.parametrize("text", ["", "yes please", "nope", "YESTERDAY", "SHIFT42", "REQUEST", "no way", "42"])
    def test_anything_else_is_not_an_incident_reply(self, text):
        assert reply_parse(text) is None


class TestReplies:
    def test_yes_matched_by_the_message_it_answers_acknowledges_and_stops_the_timers(
            self, people, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            incident = open_for(people, ANA, BEN)
        page = OutboundMessage.objects.get(recipient=ANA)
        assert page.status == MessageStatus.SENT and page.provider_message_id
        with django_capture_on_commit_callbacks(execute=True):
            inbound = reply(ANA, "Yes", previous=page.provider_message_id)
        incident = refreshed(incident)
        assert incident.status == IncidentStatus.ACKNOWLEDGED
        assert incident.acknowledged_by == people[ANA] and incident.acknowledged_at
        assert (inbound.status, inbound.handled_by) == (InboundStatus.HANDLED, HANDLER)
        assert "it's yours" in inbound.reply
        assert sms_to(ANA)[-1] == inbound.reply
        ack = incident.events.get(kind=EventKind.ACKNOWLEDGED)
        assert ack.inbound == inbound and ack.contact == people[ANA]
        assert not Timer.objects.filter(state=TimerState.PENDING).exists()
        assert at(incident, 1000) == 0
        assert sms_to(BEN) == []

    def test_the_reply_names_the_incident_even_when_another_is_open(self, people, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = open_for(people, ANA)
            second = open_for(people, ANA)
        first_page = OutboundMessage.objects.filter(recipient=ANA, owner_id=first.pk).get()
        reply(ANA, "Y", previous=first_page.provider_message_id)
        assert refreshed(first).status == IncidentStatus.ACKNOWLEDGED
        assert refreshed(second).status == IncidentStatus.NOT_ACKNOWLEDGED

    def test_without_a_message_id_the_senders_one_open_notification_is_used(self, people):
        incident = open_for(people, ANA, BEN)
        inbound = reply(ANA, "ack")
        assert refreshed(incident).status == IncidentStatus.ACKNOWLEDGED
        assert inbound.handled_by == HANDLER

    def test_a_bare_yes_answers_the_latest_page_within_the_reply_window(self, people):
        a, b = open_for(people, ANA), open_for(people, ANA)
        inbound = reply(ANA, "YES")  # no previousPublishedMessageId: the latest SMS to Ana is b's page
        assert inbound.answers == OutboundMessage.objects.filter(recipient=ANA, owner_id=b.pk).earliest("id")
        assert refreshed(b).status == IncidentStatus.ACKNOWLEDGED
        assert refreshed(a).status == IncidentStatus.NOT_ACKNOWLEDGED

    def test_several_open_incidents_and_no_reference_asks_which_instead_of_guessing(self, people, settings):
        a, b = open_for(people, ANA), open_for(people, ANA)
        settings.REPLY_WINDOW_HOURS = 0  # the pages are outside the window: the YES answers no message
        inbound = reply(ANA, "YES")
        assert inbound.reply == f"You have 2 open incidents. Reply YES {a.pk} or YES {b.pk}."
        assert "ambiguous" in inbound.outcome
        assert {refreshed(a).status, refreshed(b).status} == {IncidentStatus.NOT_ACKNOWLEDGED}
        reply(ANA, f"YES {b.pk}")
        assert refreshed(b).status == IncidentStatus.ACKNOWLEDGED
        assert refreshed(a).status == IncidentStatus.NOT_ACKNOWLEDGED

    def test_an_incident_that_escalated_past_the_sender_does_not_make_a_new_yes_ambiguous(self, people):
        old = open_for(people, ANA, BEN)
        reply(ANA, "NO")  # old incident moves on to Ben; Ana is no longer being paged for it
        new = open_for(people, ANA)
        inbound = reply(ANA, "YES")
        assert refreshed(new).status == IncidentStatus.ACKNOWLEDGED
        assert refreshed(old).status == IncidentStatus.NOT_ACKNOWLEDGED
        assert "open incidents" not in inbound.reply

    def test_someone_not_paged_changes_nothing_and_a_reference_is_answered_with_what_they_are_paged_for(
            self, people):
        incident = open_for(people, ANA, BEN)
        for who, text in [(STRANGER, "YES"), (BEN, "NO")]:
            inbound = reply(who, text)
            assert inbound.handled_by == HANDLER and inbound.reply == ""
            assert "not paged" in inbound.outcome
        for who in (STRANGER, BEN):
            inbound = reply(who, f"YES {incident.pk}")
            assert inbound.handled_by == HANDLER and "not paged" in inbound.outcome
            assert inbound.reply == (f"You were not paged for #{incident.pk}, so nothing changed. "
                                     "You are not paged for any open incident.")
        assert refreshed(incident).status == IncidentStatus.NOT_ACKNOWLEDGED
        assert refreshed(incident).level == 1
        assert sms_to(STRANGER) == [inbound.reply]

    def test_other_messages_pass_to_the_next_handler(self, people, settings):
        open_for(people, ANA)
        assert reply(ANA, "REQUEST").handled_by != HANDLER  # a command, whatever it answers
        settings.REPLY_WINDOW_HOURS = 0  # text that answers no page is not the incidents'
        for text in ["SHIFT42", "hello"]:
            assert reply(ANA, text).handled_by != HANDLER

    def test_no_escalates_at_once_and_the_old_timer_is_cancelled(self, people):
        incident = open_for(people, ANA, BEN)
        old = Timer.objects.get(state=TimerState.PENDING)
        inbound = reply(ANA, f"no {incident.pk}")
        incident = refreshed(incident)
        assert (incident.status, incident.level) == (IncidentStatus.NOT_ACKNOWLEDGED, 2)
        assert len(sms_to(BEN)) == 1
        assert Timer.objects.get(pk=old.pk).state == TimerState.CANCELLED
        assert "passed on" in inbound.reply
        assert [k for k, _ in timeline(incident)] == ["notified", "declined", "escalated", "notified"]
        assert incident.events.get(kind=EventKind.DECLINED).inbound == inbound

    def test_on_a_shared_level_the_level_escalates_when_everyone_declined(self, people, policy_factory):
        policy = policy_factory([([ANA, BEN], 60, 1, False), ([CLEO], 60, 1, False)])
        incident = incident_open(description="Leak", policy=policy)
        reply(ANA, "N")
        assert refreshed(incident).level == 1 and sms_to(CLEO) == []
        at(incident, 60)  # the reminder goes only to whoever has not declined
        reminders = [p for p in (ANA, BEN) if any("Reminder" in b for b in sms_to(p))]
        assert reminders == [BEN]
        reply(BEN, "N")
        assert refreshed(incident).level == 2 and len(sms_to(CLEO)) == 1

    def test_a_late_yes_from_an_earlier_level_acknowledges_and_the_current_level_stands_down(self, people):
        incident = open_for(people, ANA, BEN, wait=10, reminders=0)
        at(incident, 10)
        assert refreshed(incident).level == 2
        inbound = reply(ANA, "yes")
        incident = refreshed(incident)
        assert (incident.status, incident.acknowledged_by) == (IncidentStatus.ACKNOWLEDGED, people[ANA])
        assert sms_to(BEN)[-1] == f"[#{incident.pk}] Taken by Ana. No action needed."
        assert ("stood_down", BEN) in timeline(incident)
        assert ("stood_down", ANA) not in timeline(incident)
        assert "it's yours" in inbound.reply

    def test_a_no_from_a_level_already_passed_gets_a_polite_answer_and_changes_nothing(self, people):
        incident = open_for(people, ANA, BEN, CLEO, wait=10, reminders=0)
        at(incident, 10)
        before = timeline(incident)
        inbound = reply(ANA, "NO")
        assert inbound.reply == f"[#{incident.pk}] Thanks, this has already been escalated."
        assert timeline(incident) == before
        assert refreshed(incident).level == 2 and sms_to(CLEO) == []

    def test_a_second_yes_after_acknowledgement_is_told_who_has_it(self, people):
        incident = open_for(people, ANA, BEN, wait=10, reminders=0)
        at(incident, 10)
        reply(BEN, "YES")
        inbound = reply(ANA, "YES")
        assert inbound.reply == f"[#{incident.pk}] Already taken by Ben. No action needed."
        assert refreshed(incident).acknowledged_by == people[BEN]

    def test_a_yes_after_nobody_accepted_still_acknowledges(self, people):
        incident = open_for(people, ANA, wait=10, reminders=0)
        at(incident, 10)
        assert refreshed(incident).status == IncidentStatus.UNACKNOWLEDGED
        reply(ANA, "YES")
        assert refreshed(incident).status == IncidentStatus.ACKNOWLEDGED

    def test_a_reply_through_the_signed_sns_endpoint(self, people, post_sns):
        incident = open_for(people, ANA)
        response, _ = post_sns.message(two_way_sms(ANA, f" yes {incident.pk} "))
        assert response.status_code == 200
        assert refreshed(incident).status == IncidentStatus.ACKNOWLEDGED


class TestResolveAndRepage:
    def test_resolving_closes_cancels_timers_and_tells_whoever_acknowledged(self, people):
        incident = open_for(people, ANA, BEN)
        reply(ANA, "YES")
        incident = incident_resolve(incident_id=incident.pk, resolved_by="dispatcher jo")
        assert (incident.status, incident.resolved_by) == (IncidentStatus.RESOLVED, "dispatcher jo")
        assert incident.resolved_at
        assert sms_to(ANA)[-1] == f"[#{incident.pk}] Resolved by dispatcher jo. Thanks."
        assert sms_to(BEN) == []
        assert not Timer.objects.filter(state=TimerState.PENDING).exists()
        assert reply(ANA, "NO").reply == f"[#{incident.pk}] Already resolved. Thanks."

    def test_resolving_an_unanswered_incident_stands_the_paged_people_down(self, people):
        incident = open_for(people, ANA, BEN)
        incident_resolve(incident_id=incident.pk, resolved_by="jo")
        assert "No action needed" in sms_to(ANA)[-1]
        assert timeline(incident)[-2:] == [("resolved", None), ("stood_down", ANA)]
        assert at(incident, 1000) == 0

    def test_repage_restarts_the_current_levels_cycle(self, people):
        incident = open_for(people, ANA, BEN, wait=10, reminders=0)
        old = Timer.objects.get(state=TimerState.PENDING)
        incident_repage(incident_id=incident.pk, by="jo")
        assert len(sms_to(ANA)) == 2
        assert Timer.objects.get(pk=old.pk).state == TimerState.CANCELLED
        assert refreshed(incident).level == 1
