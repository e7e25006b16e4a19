"""The admin groups exist after migrate and grant least privilege."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from oncall.services import schedule_create
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER

pytestmark = pytest.mark.django_db


def _perms(name):
    return set(Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename"))


def test_the_three_groups_are_created_by_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {DISPATCHER, SHIFT_MANAGER, ANALYST}


def test_the_analyst_can_read_but_not_change_anything():
    perms = _perms(ANALYST)
    assert ("messaging", "view_outboundmessage") in perms
    assert ("messaging", "view_contact") in perms
    assert all(code.startswith("view_") for _, code in perms)
    assert ("messaging", "view_apikey") not in perms


def test_a_dispatcher_cannot_touch_shifts_or_api_keys_and_a_shift_manager_cannot_touch_incidents():
    dispatcher, manager = _perms(DISPATCHER), _perms(SHIFT_MANAGER)
    assert not any(app == "shifts" for app, _ in dispatcher)
    assert not any(app == "incidents" for app, _ in manager)
    assert not any("apikey" in code for _, code in dispatcher | manager)
    assert ("messaging", "change_outboundmessage") not in dispatcher | manager
    assert ("messaging", "add_allowlistentry") in manager


def test_analyst_is_refused_a_change_in_the_admin(client, django_user_model):
    user = django_user_model.objects.create_user("ann", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    client.force_login(user)
    assert client.get("/admin/messaging/contact/").status_code == 200
    assert client.get("/admin/messaging/contact/add/").status_code == 403


def test_a_shift_manager_may_send_campaigns_and_import_shifts():
    perms = _perms(SHIFT_MANAGER)
    assert {("shifts", "send_shiftcampaign"), ("shifts", "add_shift"), ("shifts", "view_shiftcampaign")} <= perms
    assert ("shifts", "send_shiftcampaign") not in _perms(ANALYST)


def test_the_phone_simulator_is_read_by_every_role_and_acted_in_by_dispatchers_and_shift_managers():
    # messaging.simulator.views: reading needs view_outboundmessage, acting also add_inboundsms.
    for name in (DISPATCHER, SHIFT_MANAGER, ANALYST):
        assert ("messaging", "view_outboundmessage") in _perms(name)
    assert ("messaging", "add_inboundsms") in _perms(DISPATCHER) & _perms(SHIFT_MANAGER)
    assert ("messaging", "add_inboundsms") not in _perms(ANALYST)


def test_no_role_sees_or_clears_login_lockouts():
    # django-axes' records of failed logins (who tried which username from where) stay with superusers.
    assert not any(app == "axes" for name in (DISPATCHER, SHIFT_MANAGER, ANALYST) for app, _ in _perms(name))


def test_a_dispatcher_reads_the_rotas_and_a_shift_manager_keeps_them(client, django_user_model):
    dispatcher, manager, analyst = _perms(DISPATCHER), _perms(SHIFT_MANAGER), _perms(ANALYST)
    assert {("oncall", "view_schedule"), ("oncall", "view_scheduleoverride")} <= dispatcher
    assert not any(app == "oncall" and not code.startswith("view_") for app, code in dispatcher | analyst)
    assert {("oncall", "change_schedule"), ("oncall", "add_scheduleoverride"),
            ("oncall", "delete_scheduleoverride")} <= manager
    schedule = schedule_create(name="East gas", handoff=timezone.now(), turn_hours=24)
    jo = django_user_model.objects.create_user("jo", password="pw-12345-abc", is_staff=True)
    jo.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(jo)
    assert client.get(f"/admin/oncall/schedule/{schedule.pk}/change/").status_code == 200
    refused = client.post(f"/admin/oncall/schedule/{schedule.pk}/add-override/",
                          {"contact": "", "start": "", "end": ""})
    assert refused.status_code == 403
    assert client.post(f"/admin/oncall/schedule/{schedule.pk}/change/", {"name": "Renamed"}).status_code == 403


def test_an_analyst_reads_every_history_page_but_cannot_add_or_change_through_them(client, django_user_model):
    user = django_user_model.objects.create_user("ann2", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    client.force_login(user)
    for url in ("/admin/report/?days=30", "/admin/report/daily.csv", "/admin/export/messages.csv",
                "/admin/export/incidents.csv", "/admin/messaging/outboundmessage/", "/admin/incidents/incident/"):
        assert client.get(url).status_code == 200, url
    assert client.post("/admin/messaging/contact/add/", {"name": "X", "phone": "+12065550999"}).status_code == 403
    assert client.get("/admin/incidents/incident/add/").status_code == 403
    assert ("messaging", "view_dailymessagecount") in _perms(ANALYST)
    assert {("messaging", "view_dailydeliverytime"), ("incidents", "view_dailyincidentcount"),
            ("incidents", "view_dailyacktime")} <= set(_perms(ANALYST))
    assert not any(code.startswith(("add_", "change_", "delete_")) for _, code in _perms(ANALYST))


def test_dispatchers_read_and_answer_conversations_analysts_read_shift_managers_answer_shift_threads():
    dispatcher, manager, analyst = _perms(DISPATCHER), _perms(SHIFT_MANAGER), _perms(ANALYST)
    assert {("messaging", "view_conversation"), ("messaging", "reply_conversation")} <= dispatcher
    assert ("messaging", "view_conversation") in analyst
    assert not {("messaging", "reply_conversation"), ("messaging", "shiftreply_conversation")} & analyst
    # A shift manager's only conversation right: the threads about shifts (not every thread).
    assert {code for app, code in manager if code.endswith("_conversation")} == {"shiftreply_conversation"}
