"""Every custom admin page, walked as every role: none reaches what its permissions don't allow.

Django guards a ModelAdmin's own pages (list, add, change, delete, history) by the model's
permissions. The pages an admin adds in ``get_urls`` (and django-import-export's import and
export) guard themselves, and a forgotten check there is how a dispatcher filled the shift
allow-list. The table below names, for each such page, the permissions of the models it
touches; a new custom page that is not in the table fails the first test, so it is reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from incidents.models import AlertIntegration
from incidents.policies import LevelSpec, policy_create
from messaging.audience.receive import bulk_send_receive, import_run_receive
from messaging.models import Contact, Conversation, ImportKind, Tag
from oncall.services import schedule_create
from portal.roles import ANALYST, DISPATCHER, SHIFT_MANAGER
from shifts.services import campaign_create

pytestmark = pytest.mark.django_db

STANDARD = {"changelist", "add", "history", "delete", "change", "autocomplete", "password_change"}  # Django's own pages


@dataclass(frozen=True)
class Page:
    name: str  # the URL name, without "admin:"
    method: str  # the method that does what the page is for (GET reads, POST acts)
    target: str | None  # the fixture object whose pk the URL takes
    needs: tuple[str, ...]  # the permissions of the models it reads or writes


PAGES = [
    Page("messaging_importrun_confirm", "POST", "contacts_run",
         ("messaging.add_importrun", "messaging.add_contact", "messaging.change_contact", "messaging.add_tag")),
    Page("messaging_importrun_confirm", "POST", "allow_list_run",
         ("messaging.add_importrun", "messaging.add_allowlistentry")),
    Page("messaging_importrun_again", "POST", "contacts_run",
         ("messaging.add_importrun", "messaging.add_contact", "messaging.change_contact", "messaging.add_tag")),
    Page("messaging_importrun_again", "POST", "allow_list_run",
         ("messaging.add_importrun", "messaging.add_allowlistentry")),
    Page("messaging_bulksend_send", "POST", "bulk", ("messaging.add_bulksend",)),
    # A thread about an incident: read with the view permission, answered with reply (a shift
    # manager's shiftreply reaches threads about shifts only).
    Page("messaging_conversation_answer", "POST", "conversation",
         ("messaging.view_conversation", "messaging.reply_conversation")),
    Page("messaging_conversation_done", "POST", "conversation",
         ("messaging.view_conversation", "messaging.reply_conversation")),
    Page("messaging_contact_export", "GET", None, ("messaging.view_contact",)),
    Page("messaging_allowlistentry_export", "GET", None, ("messaging.view_allowlistentry",)),
    Page("oncall_schedule_add_override", "POST", "schedule", ("oncall.add_scheduleoverride",)),
    Page("oncall_schedule_subscribe", "POST", "schedule", ("oncall.add_calendarfeed",)),
    Page("shifts_coverask_ask", "POST", None, ("shifts.add_shift",)),
    Page("incidents_incident_preview", "GET", None, ("incidents.add_incident",)),
    Page("incidents_alertintegration_test", "POST", "integration", ("incidents.change_alertintegration",)),
    Page("shifts_shift_import", "GET", None, ("shifts.add_shift",)),
    Page("shifts_shift_process_import", "POST", None, ("shifts.add_shift",)),
    Page("shifts_shift_export", "GET", None, ("shifts.view_shift",)),
    Page("shifts_shiftcampaign_send", "GET", "campaign", ("shifts.view_shiftcampaign",)),
    Page("shifts_shiftcampaign_send", "POST", "campaign", ("shifts.view_shiftcampaign", "shifts.send_shiftcampaign")),
    Page("shifts_shiftcampaign_progress", "GET", "campaign", ("shifts.view_shiftcampaign",)),
    Page("shifts_shiftcampaign_preview", "GET", None, ("shifts.view_shiftcampaign",)),
    Page("shifts_shiftcampaign_progress_json", "GET", "campaign", ("shifts.view_shiftcampaign",)),
    Page("shifts_shiftcampaign_cover", "GET", None,
         ("shifts.add_shiftcampaign", "shifts.add_shift", "oncall.view_schedule")),
]


# The staff pages the portal mounts beside the admin (portal/urls.py), with the same rule.
SITE_PAGES = [
    Page("report", "GET", None, ("messaging.view_outboundmessage",)),
    Page("export-messages", "GET", None, ("messaging.view_outboundmessage",)),
    Page("export-incidents", "GET", None, ("incidents.view_incident",)),
]


def _custom_admin_url_names() -> set[str]:
    names = set()
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None) or ""
            if name.startswith(prefix) and name[len(prefix):] not in STANDARD:
                names.add(name)
    return names


def test_every_custom_admin_page_is_in_the_table():
    assert _custom_admin_url_names() == {p.name for p in PAGES}


@pytest.fixture
def targets(django_user_model):
    owner = django_user_model.objects.create_superuser("owner", password="pw-12345-abc")
    ana = Contact.objects.create(name="Ana", phone="+12065550101")
    policy = policy_create(name="Gas leak", levels=[LevelSpec(contacts=[ana])])
    tag = Tag.objects.create(name="nurses")
    return {
        "contacts_run": import_run_receive(kind=ImportKind.CONTACTS, pieces=[b"name,phone\nBen,+12065550102\n"],
                                           name="people.csv", source="admin", created_by=owner, confirm=True),
        "allow_list_run": import_run_receive(kind=ImportKind.ALLOW_LIST,
                                             pieces=[b"phone,scope\n+12065550103,shifts\n"], name="allow.csv",
                                             source="admin", created_by=owner, confirm=True),
        "bulk": bulk_send_receive(name="b.csv", template="Hello", pieces=[b"phone\n+12065550104\n"],
                                  created_by=owner),
        "conversation": Conversation.objects.create(phone="+12065550105", needs_reply=True, about_shifts=False),
        "schedule": schedule_create(name="East gas", handoff=timezone.now(), turn_hours=24, members=[ana]),
        "integration": AlertIntegration.objects.create(name="Prometheus", default_policy=policy),
        "campaign": campaign_create(name="Weekend", tag=tag, message="Shifts open, reply with a code"),
    }


@pytest.mark.parametrize("role", [DISPATCHER, SHIFT_MANAGER, ANALYST, "superuser"])
def test_no_role_reaches_a_custom_admin_page_its_permissions_do_not_allow(role, client, django_user_model,
                                                                          targets):
    if role == "superuser":
        user = django_user_model.objects.create_superuser("root", password="pw-12345-abc")
    else:
        user = django_user_model.objects.create_user(role.replace(" ", "-"), password="pw-12345-abc",
                                                     is_staff=True)
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    wrong = []
    for page in [*PAGES, *SITE_PAGES]:
        args = [targets[page.target].pk] if page.target else []
        url = reverse(f"admin:{page.name}" if page in PAGES else page.name, args=args)
        answer = client.post(url) if page.method == "POST" else client.get(url)
        allowed = user.has_perms(page.needs)
        reached = answer.status_code not in (403, 404)
        if reached != allowed:
            wrong.append((page.method, url, page.target, answer.status_code, "allowed" if allowed else "refused"))
    assert wrong == []


def test_the_roles_are_refused_somewhere_and_reach_something():
    # The walk above proves something only if each role meets both answers.
    for role in (DISPATCHER, SHIFT_MANAGER, ANALYST):
        perms = {f"{app}.{code}" for app, code in
                 Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")}
        answers = {set(p.needs) <= perms for p in PAGES}
        assert answers == {True, False}, role
