"""A hotline to whoever is on call, through Amazon Connect, with no Lambda (issue 23 §4).

For a schedule with ``hotline`` on, ``setup_aws`` creates (``hotline_aws_setup``):

- a quick connect of type ``PHONE_NUMBER`` (``portal-hotline-<id>``), which agents and the
  Connect console see as "on call for <schedule>";
- an inbound contact flow (oncall/flows/hotline.json) that transfers the caller to that number.
  The Flow language has no action that dials a quick connect, so the flow carries the same number
  in its ``TransferParticipantToThirdParty``, and both are changed together.

The portal keeps them equal to the on-call person's phone: ``hotline_sync`` asks who is on call,
and when the number in Connect differs, calls ``UpdateQuickConnectConfig`` (and updates the
flow), and records the change ("hotline → Ben from 08:00", shown on the schedule's admin page).
It runs from a durable timer at every change of who is on call (the next handoff, an override's
start and end: ``hotline_timer_plan``), and from a django-q2 schedule every minute
(``hotline_sweep``), which repairs drift: a lost timer, an edit by hand in Connect.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging.calls.setup import contact_flow_ensure
from messaging.models import Timer, TimerState
from messaging.scheduling.timers import timer_schedule
from messaging.transports import clients
from oncall.models import HotlineChange, Schedule
from oncall.selectors import oncall_at, schedule_zone

log = logging.getLogger(__name__)

SYNC_TASK = "oncall.tasks.hotline_sync"
FLOW_TEMPLATE = Path(__file__).resolve().parent / "flows" / "hotline.json"
TIMER_HORIZON = timedelta(days=31)  # the minute sweep plans anything further out when it comes near


def hotline_name(schedule: Schedule) -> str:
    return f"portal-hotline-{schedule.pk}"


def hotline_flow_content(phone: str) -> str:
    flow = json.loads(FLOW_TEMPLATE.read_text())
    for action in flow["Actions"]:
        if action["Type"] == "TransferParticipantToThirdParty":
            action["Parameters"]["ThirdPartyPhoneNumber"] = phone
    return json.dumps(flow, separators=(",", ":"))


def _phone_config(phone: str) -> dict:
    return {"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": phone}}


def hotline_change_text(change: HotlineChange) -> str:
    """ "hotline → Ben from 08:00" in the schedule's zone (the date too when not today there)."""
    zone = schedule_zone(schedule=change.schedule)
    start = change.effective_at.astimezone(zone)
    today = timezone.now().astimezone(zone).date()
    when = start.strftime("%H:%M") if start.date() == today else start.strftime("%a %d %b %H:%M")
    failed = f" (failed: {change.error[:80]})" if not change.ok else ""
    return f"hotline → {change.name or change.phone} from {when}{failed}"


def hotline_sync(*, schedule_id: int, now: datetime | None = None) -> str:
    """Point the schedule's hotline at whoever is on call now, if Connect says otherwise."""
    now = now or timezone.now()
    schedule = Schedule.objects.filter(pk=schedule_id, hotline=True).first()
    if schedule is None or not schedule.hotline_quick_connect_id:
        return "no hotline (or setup_aws has not created it yet)"
    answer = oncall_at(schedule=schedule, at=now)
    hotline_timer_plan(schedule=schedule, at=answer.until if answer else None, now=now)
    if answer is None or answer.person is None:
        return "nobody on call: the hotline keeps its number"
    person = answer.person
    client = clients.aws_client("connect")
    instance = settings.CONNECT_INSTANCE_ID
    try:
        current = client.describe_quick_connect(InstanceId=instance, QuickConnectId=schedule.hotline_quick_connect_id)
        have = current["QuickConnect"]["QuickConnectConfig"].get("PhoneConfig", {}).get("PhoneNumber")
        if have == person.phone:
            return f"up to date: {person.name or person.phone}"
        client.update_quick_connect_config(InstanceId=instance, QuickConnectId=schedule.hotline_quick_connect_id,
                                           QuickConnectConfig=_phone_config(person.phone))
        if schedule.hotline_flow_id:
            client.update_contact_flow_content(InstanceId=instance, ContactFlowId=schedule.hotline_flow_id,
                                               Content=hotline_flow_content(person.phone))
        error = ""
    except (ClientError, BotoCoreError) as exc:
        error = str(exc)
        log.warning("hotline of schedule %s not updated: %s", schedule.pk, exc)
    HotlineChange.objects.create(schedule=schedule, contact_id=person.id, name=person.name, phone=person.phone,
                                 effective_at=answer.since or now, ok=not error, error=error[:2000])
    if error:  # kept on the schedule's page; the minute sweep tries again
        return f"hotline not updated: {error}"
    return f"hotline → {person.name or person.phone}"


def hotline_timer_plan(*, schedule: Schedule, at: datetime | None, now: datetime | None = None) -> None:
    """A durable timer for the hotline at ``at`` (a handoff, an override's start or end), once."""
    now = now or timezone.now()
    if not schedule.hotline or at is None or at > now + TIMER_HORIZON:
        return
    at = max(at, now)
    pending = Timer.objects.owned_by(schedule).filter(callback=SYNC_TASK, state=TimerState.PENDING, due_at=at)
    if not pending.exists():
        timer_schedule(callback=SYNC_TASK, due_at=at, kwargs={"schedule_id": schedule.pk}, owner=schedule,
                       label=f"hotline of {schedule.name}")


def hotline_override_changed(*, schedule: Schedule, start: datetime, end: datetime) -> None:
    """An override was added or removed: the hotline changes at its start and at its end."""
    if schedule.hotline:
        transaction.on_commit(lambda: [hotline_timer_plan(schedule=schedule, at=t) for t in (start, end)])


def hotline_sweep() -> int:
    """Every minute: every hotline checked against who is on call; returns how many were."""
    ids = list(Schedule.objects.filter(hotline=True).exclude(hotline_quick_connect_id="").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            hotline_sync(schedule_id=pk)
    return len(ids)


def hotline_aws_setup(plan, client_for) -> None:
    """``setup_aws`` step (AWS_SETUP_STEPS): each hotline's quick connect and inbound flow."""
    instance = settings.CONNECT_INSTANCE_ID
    if not instance:
        plan.do("Hotlines: not in use (CONNECT_INSTANCE_ID is not set)")
        return
    schedules = list(Schedule.objects.filter(hotline=True))
    if not schedules:
        plan.do("Hotlines: none (no schedule has a hotline)")
        return
    client = client_for("connect")
    for schedule in schedules:
        answer = oncall_at(schedule=schedule)
        if answer is None or answer.person is None:
            plan.do(f"Hotline {schedule.name}: skipped (nobody on call to point it at)")
            continue
        phone = answer.person.phone
        name = hotline_name(schedule)
        quick_connect_id = _quick_connect_ensure(plan, client, instance=instance, name=name, phone=phone,
                                                 description=f"On call for {schedule.name}")
        flow_id = contact_flow_ensure(plan, client, instance_id=instance, name=name,
                                      content=hotline_flow_content(phone),
                                      description=f"Inbound: transfer to whoever is on call for {schedule.name}")
        if not plan.dry_run:
            Schedule.objects.filter(pk=schedule.pk).update(hotline_quick_connect_id=quick_connect_id,
                                                           hotline_flow_id=flow_id)
            HotlineChange.objects.create(schedule=schedule, contact_id=answer.person.id, name=answer.person.name,
                                         phone=phone, effective_at=answer.since or timezone.now())
        plan.do(f"Hotline {schedule.name}: associate your Connect number with flow {name} to publish it")


def _quick_connect_ensure(plan, client, *, instance: str, name: str, phone: str, description: str) -> str:
    token, found = None, None
    while True:
        page = client.list_quick_connects(InstanceId=instance, QuickConnectTypes=["PHONE_NUMBER"],
                                          **({"NextToken": token} if token else {}))
        found = next((q for q in page.get("QuickConnectSummaryList", []) if q.get("Name") == name), None)
        token = page.get("NextToken")
        if found is not None or not token:
            break
    if found is None:
        made = {}
        plan.do(f"create quick connect {name} (PHONE_NUMBER {phone})", lambda: made.update(client.create_quick_connect(
            InstanceId=instance, Name=name, Description=description, QuickConnectConfig=_phone_config(phone))))
        return made.get("QuickConnectId", "")
    plan.do(f"update quick connect {name} → {phone}", lambda: client.update_quick_connect_config(
        InstanceId=instance, QuickConnectId=found["Id"], QuickConnectConfig=_phone_config(phone)))
    return found["Id"]
