"""The dispatcher's admin: open by policy or contacts, watch, and act."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from incidents.demo import DEMO_POLICY, demo_seed
from incidents.models import EscalationPolicy, Incident, IncidentStatus
from incidents.services import incident_open, incidents_acknowledge
from messaging.models import Timer, TimerState
from portal.demo import demo_seed as portal_demo_seed
from portal.roles import DISPATCHER
from tests.support.incidents import ANA, BEN, CLEO, sms_to, timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher(client, django_user_model):
    user = django_user_model.objects.create_user("jo", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    return client


def test_a_dispatcher_opens_an_incident_from_a_policy(dispatcher, policy_factory):
    policy = policy_factory([([ANA], 60, 1, False), ([BEN], 60, 1, False)])
    response = dispatcher.post("/admin/incidents/incident/add/", {
        "description": "Gas smell, 5 Main St", "url": "https://maps.example/5", "policy": policy.pk,
        "wait_seconds": 60, "reminders": 1, "_continue": "1"})
    assert response.status_code == 302, response.content[:2000]
    incident = Incident.objects.get()
    assert response["Location"].endswith(f"/admin/incidents/incident/{incident.pk}/change/")
    assert (incident.policy, incident.created_by) == (policy, "jo")
    assert len(sms_to(ANA)) == 1
    page = dispatcher.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "SMS preview: 1 part" in page
    assert "Notified" in page and "1 of 2" in page
    assert "Re-page the current level" in page


def test_a_dispatcher_opens_an_incident_for_chosen_contacts(dispatcher, people):
    response = dispatcher.post("/admin/incidents/incident/add/", {
        "description": "Leak", "contacts": [people[BEN].pk, people[ANA].pk], "wait_seconds": 30, "reminders": 0})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert len(incident.snapshot["levels"]) == 2 and incident.snapshot["levels"][0]["wait_seconds"] == 30


def test_the_add_form_needs_a_policy_or_contacts(dispatcher, people):
    response = dispatcher.post("/admin/incidents/incident/add/", {"description": "Leak", "wait_seconds": 60,
                                                                  "reminders": 1})
    assert response.status_code == 200
    assert "Choose a policy or at least one contact" in response.content.decode()
    assert not Incident.objects.exists()


def test_change_page_buttons_resolve_and_repage(dispatcher, people):
    incident = incident_open(description="Leak", contacts=[people[ANA]])
    url = f"/admin/incidents/incident/{incident.pk}/change/"
    form = {"events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1", "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0"}
    assert dispatcher.post(url, {**form, "_repage": "1"}).status_code == 302
    assert len(sms_to(ANA)) == 2
    form["events-TOTAL_FORMS"] = form["events-INITIAL_FORMS"] = "2"
    assert dispatcher.post(url, {**form, "_resolve": "1"}).status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_by) == (IncidentStatus.RESOLVED, "jo")
    assert 'http-equiv="refresh"' not in dispatcher.get(url).content.decode()


def test_admin_actions_acknowledge_on_behalf_resolve_and_repage(dispatcher, people, policy_factory):
    incident = incident_open(description="Leak", policy=policy_factory([([ANA, BEN], 60, 1, False)]))
    changelist = "/admin/incidents/incident/"
    page = dispatcher.post(changelist, {"action": "acknowledge_on_behalf", "_selected_action": [incident.pk]})
    assert page.status_code == 200 and "Acknowledge on behalf of" in page.content.decode()
    dispatcher.post(changelist, {"action": "acknowledge_on_behalf", "_selected_action": [incident.pk],
                                 "contact": people[BEN].pk, "apply": "1"})
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == (IncidentStatus.ACKNOWLEDGED, people[BEN])
    assert ("acknowledged", BEN) in timeline(incident) and ("stood_down", ANA) in timeline(incident)
    assert not Timer.objects.filter(state=TimerState.PENDING).exists()
    other = incident_open(description="Other", contacts=[people[CLEO]])
    dispatcher.post(changelist, {"action": "repage", "_selected_action": [other.pk]})
    assert len(sms_to(CLEO)) == 2
    dispatcher.post(changelist, {"action": "resolve", "_selected_action": [incident.pk, other.pk]})
    assert set(Incident.objects.values_list("status", flat=True)) == {IncidentStatus.RESOLVED}


def _acknowledge_form(dispatcher, incidents):
    page = dispatcher.post("/admin/incidents/incident/", {"action": "acknowledge_on_behalf",
                                                          "_selected_action": [i.pk for i in incidents]})
    return {str(pk) for pk, _ in page.context["form"].fields["contact"].choices if pk}


def test_acknowledge_on_behalf_offers_only_people_who_were_paged(dispatcher, people):
    # Ana is paged now; Ben is the next level, not reached yet; Cleo has nothing to do with it.
    incident = incident_open(description="Leak", contacts=[people[ANA], people[BEN]])
    assert _acknowledge_form(dispatcher, [incident]) == {str(people[ANA].pk)}
    # For several incidents at once, only someone paged for every one of them.
    other = incident_open(description="Other", contacts=[people[BEN]])
    both = incident_open(description="Both", contacts=[people[ANA]])
    assert _acknowledge_form(dispatcher, [incident, other]) == set()
    assert _acknowledge_form(dispatcher, [incident, both]) == {str(people[ANA].pk)}


@pytest.mark.parametrize("who", [BEN, CLEO])
def test_a_forged_acknowledgement_for_someone_never_paged_is_a_form_error(dispatcher, people, who):
    incident = incident_open(description="Leak", contacts=[people[ANA], people[BEN]])
    page = dispatcher.post("/admin/incidents/incident/", {
        "action": "acknowledge_on_behalf", "_selected_action": [incident.pk], "contact": people[who].pk,
        "apply": "1"})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == (IncidentStatus.NOT_ACKNOWLEDGED, None)
    assert ("acknowledged", who) not in timeline(incident)


def test_the_service_too_refuses_to_acknowledge_for_someone_never_paged(people):
    incident = incident_open(description="Leak", contacts=[people[ANA], people[BEN]])
    [outcome] = incidents_acknowledge(incident_ids=[incident.pk], contact=people[BEN], by="jo")
    assert not outcome.changed and "was not paged" in outcome.outcome
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NOT_ACKNOWLEDGED


def test_changelist_filters_and_searches(dispatcher, people):
    a = incident_open(description="Gas leak east", contacts=[people[ANA]])
    incident_open(description="Water main", contacts=[people[ANA]])
    assert "Gas leak east" in dispatcher.get("/admin/incidents/incident/?q=gas").content.decode()
    assert "Water main" not in dispatcher.get("/admin/incidents/incident/?q=gas").content.decode()
    assert "Water main" not in dispatcher.get(f"/admin/incidents/incident/?q={a.pk}").content.decode()
    assert dispatcher.get("/admin/incidents/incident/?status__exact=not_acknowledged").status_code == 200


def test_a_dispatcher_manages_policies_with_inline_levels(dispatcher, people):
    response = dispatcher.post("/admin/incidents/escalationpolicy/add/", {
        "name": "North", "repeat": 1, "final_action": "email", "final_contact": people[CLEO].pk,
        "levels-TOTAL_FORMS": "1", "levels-INITIAL_FORMS": "0", "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000", "levels-0-position": "1", "levels-0-contacts": [people[ANA].pk],
        "levels-0-wait_seconds": "0", "levels-0-reminders": "1"})
    assert response.status_code == 200 and not EscalationPolicy.objects.exists()  # wait must be >= 1


def test_demo_seed_builds_the_gas_leak_policy_once(db):
    assert demo_seed() is None  # no demo contacts yet: skipped
    portal_demo_seed()
    portal_demo_seed()
    policy = EscalationPolicy.objects.get(name=DEMO_POLICY)
    levels = list(policy.levels.all())
    assert [[c.phone for c in lvl.contacts.all()] for lvl in levels] == [[ANA], [BEN]]
    assert [(lvl.wait_seconds, lvl.reminders) for lvl in levels] == [(60, 1), (60, 1)]
    assert (policy.final_action, policy.final_contact.phone) == ("sms", CLEO)


def test_the_add_form_previews_the_first_sms_and_its_part_count(dispatcher):
    page = dispatcher.get("/admin/incidents/incident/add/").content.decode()
    assert 'id="sms-live-preview"' in page
    short = dispatcher.get("/admin/incidents/incident/preview/",
                           {"description": "Gas smell at 5 Main St", "url": "https://m.example/5"}).json()
    assert short["text"].startswith("[#1] Gas smell at 5 Main St https://m.example/5\nReply YES 1")
    assert (short["parts"], short["encoding"]) == (1, "GSM-7")
    long = dispatcher.get("/admin/incidents/incident/preview/", {"description": "Leak " * 60}).json()
    assert long["parts"] > 1  # the dispatcher sees a long description cost more than one SMS
    curly = dispatcher.get("/admin/incidents/incident/preview/", {"description": "Leak at O’Brien’s yard"}).json()
    assert curly["encoding"] == "UCS-2"


def test_the_preview_needs_an_admin_login(client):
    assert client.get("/admin/incidents/incident/preview/").status_code == 302
