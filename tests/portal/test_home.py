"""The admin home answers "what needs me now" for each role, and the app list below it starts
with what that role works on."""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import IncidentStatus
from incidents.services import incident_open
from messaging.models import Contact
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER
from tests.support.home import LA, PANELS, SEEN_BY, world

pytestmark = pytest.mark.django_db


def as_role(client, django_user_model, role: str | None):
    user = django_user_model.objects.create_user(f"u-{role or 'super'}", password="pw-12345-abc", is_staff=True,
                                                 is_superuser=role is None)
    if role:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


def panels_on(page: str) -> set[str]:
    return {p for p in PANELS if f'id="{p}"' in page}


@pytest.mark.parametrize("role", [DISPATCHER, SHIFT_MANAGER, ANALYST])
def test_each_role_sees_the_panels_its_group_can_reach_and_no_others(client, django_user_model, role):
    world()
    page = as_role(client, django_user_model, role).get("/admin/").content.decode()
    assert panels_on(page) == SEEN_BY[role]
    if "home-incidents" not in SEEN_BY[role]:
        assert "Gas smell" not in page and "HighLoad" not in page


def test_the_panels_say_who_is_paged_what_fires_who_is_on_call_until_when_and_what_failed(admin_client):
    world()
    page = admin_client.get("/admin/").content.decode()
    incidents = page[page.index('id="home-incidents"'):page.index('id="home-alerts"')]
    assert "Open incidents (1)" in incidents and "Not acknowledged: 1" in incidents
    assert "Gas smell at 0 Main St" in incidents and "Paging Person 0 (+12065550000)" in incidents
    alerts = page[page.index('id="home-alerts"'):page.index('id="oncall-now"')]
    assert "Firing alert groups (1)" in alerts and "HighLoad/0" in alerts and "3 firing" in alerts
    oncall = page[page.index('id="oncall-now"'):page.index('id="home-failed"')]
    handoff = datetime.combine(timezone.now().astimezone(LA).date(), time(8), tzinfo=LA)
    next_handoff = handoff if handoff > timezone.now() else handoff + timedelta(days=1)
    assert "Rota 0" in oncall and "(America/Los_Angeles)" in oncall
    # "until 08:00" before today's handoff, "until Tue 08:00" after it: the panel names the day
    # when the handoff is not today in the schedule's zone (oncall.texts.local_time).
    when = f"{next_handoff:%H:%M}" if next_handoff.date() == timezone.now().astimezone(LA).date() \
        else f"{next_handoff:%a %H:%M}"
    assert f"until {when}" in oncall and next_handoff.tzname() in oncall
    failed = page[page.index('id="home-failed"'):]
    assert "Failed sends, last hour (1)" in failed and "Carrier unreachable" in failed
    assert "Too old to list" not in failed
    assert 'href="/admin/report/"' in page


def test_an_accepted_incident_names_who_accepted_and_a_resolved_one_is_gone(admin_client):
    world()
    incident = incident_open(description="Water main burst", contacts=list(Contact.objects.all()[:1]))
    incident.status, incident.acknowledged_by = IncidentStatus.ACKNOWLEDGED, Contact.objects.first()
    incident.save()
    page = admin_client.get("/admin/").content.decode()
    assert "Acknowledged: 1" in page and "Accepted by Person 0" in page
    incident.status = IncidentStatus.RESOLVED
    incident.save()
    assert "Water main burst" not in admin_client.get("/admin/").content.decode()


def test_the_number_of_queries_does_not_grow_with_the_rows(admin_client):
    world(1)
    admin_client.get("/admin/")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get("/admin/").status_code == 200
    world(12)
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get("/admin/").content.decode()
    assert "Open incidents (13)" in page and "Firing alert groups (13)" in page
    assert "Failed sends, last hour (13)" in page and "Rota 12" in page
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def app_labels(page: str) -> list[str]:
    main = page[page.index('id="content-main"'):]
    return [chunk.split('"', 1)[0] for chunk in main.split('class="app-')[1:] if " module" in chunk[:40]]


@pytest.mark.parametrize(("role", "first"), [(DISPATCHER, "incidents"), (SHIFT_MANAGER, "shifts"),
                                             (ANALYST, "messaging"), (None, "incidents")])
def test_the_app_list_starts_with_what_the_role_uses_and_ends_with_the_framework(client, django_user_model,
                                                                                 role, first):
    page = as_role(client, django_user_model, role).get("/admin/").content.decode()
    labels = [label.split()[0] for label in app_labels(page)]
    assert labels[0] == first
    framework = [label for label in labels if label in ("auth", "axes", "django_q")]
    assert labels[len(labels) - len(framework):] == framework
    if role is None:
        assert framework == ["auth", "axes", "django_q"]


def test_every_link_on_the_panels_opens(admin_client):
    world()
    page = admin_client.get("/admin/").content.decode()
    panels = page[page.index('id="home-panels"'):page.index('id="content-main"')]
    links = set(re.findall(r'href="([^"]+)"', panels))
    assert len(links) >= 10
    for link in links:
        r = admin_client.get(html.unescape(link))
        assert r.status_code == 200, link
        assert "?e=1" not in r.get("Location", ""), link  # the admin's "bad filter" redirect
