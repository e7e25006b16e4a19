"""The on-call hotline (issue 23 §4): setup_aws makes a Connect quick connect (PHONE_NUMBER) and an
inbound flow per hotline schedule; the portal keeps both dialling whoever is on call, by a durable
timer at each change and a minute sweep that repairs drift, and shows each change on the
schedule's admin page. Connect is behind ``botocore.stub.Stubber`` (moto has none of these calls).

- https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateQuickConnect.html
- https://docs.aws.amazon.com/connect/latest/APIReference/API_UpdateQuickConnectConfig.html
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.core.management import call_command
from django.utils import timezone

from messaging.models import Timer, TimerState
from messaging.transports import clients
from oncall.hotline import SYNC_TASK, hotline_flow_content, hotline_sweep, hotline_sync
from oncall.models import HotlineChange, Schedule
from oncall.services import override_add, schedule_create
from tests.support.connect import INSTANCE_ID

pytestmark = pytest.mark.django_db

ANA, BEN, CLEO = "+12065550191", "+12065550192", "+12065550193"
QC_ID = "qc000000-1111-2222-3333-444444444444"
FLOW_ID = "fl000000-1111-2222-3333-444444444444"
H = timedelta(hours=1)


@pytest.fixture
def connect(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.CONNECT_INSTANCE_ID = INSTANCE_ID
    client = boto3.client("connect", region_name="us-east-1")
    monkeypatch.setattr(clients, "aws_client", lambda service: client)
    stubber = Stubber(client)
    stubber.activate()
    yield client, stubber
    stubber.assert_no_pending_responses()
    stubber.deactivate()


@pytest.fixture
def schedule(db):
    """Ana's turn began an hour ago; Ben's starts in 23 hours (24-hour turns)."""
    handoff = timezone.now().replace(second=0, microsecond=0) - H
    made = schedule_create(name="East gas", handoff=handoff, turn_hours=24, member_phones=[ANA, BEN])
    Schedule.objects.filter(pk=made.pk).update(hotline=True, hotline_quick_connect_id=QC_ID, hotline_flow_id=FLOW_ID)
    made.refresh_from_db()
    return made


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def _run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)
    return _run


def connect_has(stubber, phone):
    stubber.add_response("describe_quick_connect", {"QuickConnect": {
        "QuickConnectId": QC_ID, "Name": "portal-hotline",
        "QuickConnectConfig": {"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": phone}}}},
        {"InstanceId": INSTANCE_ID, "QuickConnectId": QC_ID})


def expect_update(stubber, phone):
    config = {"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": phone}}
    stubber.add_response("update_quick_connect_config", {},
                         {"InstanceId": INSTANCE_ID, "QuickConnectId": QC_ID, "QuickConnectConfig": config})
    stubber.add_response("update_contact_flow_content", {}, {"InstanceId": INSTANCE_ID, "ContactFlowId": FLOW_ID,
                                                             "Content": hotline_flow_content(phone)})


def test_setup_aws_creates_the_quick_connect_and_the_inbound_flow(connect, schedule, settings):
    client, stubber = connect
    settings.SNS_EVENTS_TOPIC_ARN = ""
    Schedule.objects.filter(pk=schedule.pk).update(hotline_quick_connect_id="", hotline_flow_id="")
    name = f"portal-hotline-{schedule.pk}"
    config = {"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": ANA}}
    stubber.add_response("list_contact_flows", {"ContactFlowSummaryList": []},  # the page flow (messaging)
                         {"InstanceId": INSTANCE_ID, "ContactFlowTypes": ["CONTACT_FLOW"]})
    stubber.add_response("create_contact_flow", {"ContactFlowId": "page-flow"}, {
        "InstanceId": INSTANCE_ID, "Name": "portal-page-call", "Type": "CONTACT_FLOW", "Content": ANY,
        "Description": ANY})
    stubber.add_response("list_contact_flows", {"ContactFlowSummaryList": []},  # bulk sends' confirmation flow
                         {"InstanceId": INSTANCE_ID, "ContactFlowTypes": ["CONTACT_FLOW"]})
    stubber.add_response("create_contact_flow", {"ContactFlowId": "confirm-flow"}, {
        "InstanceId": INSTANCE_ID, "Name": "portal-confirm-call", "Type": "CONTACT_FLOW", "Content": ANY,
        "Description": ANY})
    stubber.add_response("list_quick_connects", {"QuickConnectSummaryList": []},
                         {"InstanceId": INSTANCE_ID, "QuickConnectTypes": ["PHONE_NUMBER"]})
    stubber.add_response("create_quick_connect", {"QuickConnectId": QC_ID}, {
        "InstanceId": INSTANCE_ID, "Name": name, "Description": "On call for East gas", "QuickConnectConfig": config})
    stubber.add_response("list_contact_flows", {"ContactFlowSummaryList": []},
                         {"InstanceId": INSTANCE_ID, "ContactFlowTypes": ["CONTACT_FLOW"]})
    stubber.add_response("create_contact_flow", {"ContactFlowId": FLOW_ID}, {
        "InstanceId": INSTANCE_ID, "Name": name, "Type": "CONTACT_FLOW", "Content": hotline_flow_content(ANA),
        "Description": "Inbound: transfer to whoever is on call for East gas"})
    out = StringIO()
    call_command("setup_aws", clients={"connect": client}, stdout=out)
    assert f"create quick connect {name} (PHONE_NUMBER {ANA})" in out.getvalue()
    schedule.refresh_from_db()
    assert (schedule.hotline_quick_connect_id, schedule.hotline_flow_id) == (QC_ID, FLOW_ID)
    flow = json.loads(hotline_flow_content(ANA))
    transfer = [a for a in flow["Actions"] if a["Type"] == "TransferParticipantToThirdParty"]
    assert transfer[0]["Parameters"]["ThirdPartyPhoneNumber"] == ANA


def test_a_sync_points_the_hotline_at_whoever_is_on_call_and_plans_the_next_handoff(connect, schedule):
    _, stubber = connect
    connect_has(stubber, BEN)
    expect_update(stubber, ANA)
    assert hotline_sync(schedule_id=schedule.pk) == f"hotline → {ANA}"
    change = HotlineChange.objects.get()
    assert change.phone == ANA and change.effective_at == schedule.handoff
    timer = Timer.objects.get(callback=SYNC_TASK, state=TimerState.PENDING)
    assert timer.due_at == schedule.handoff + 24 * H and timer.kwargs == {"schedule_id": schedule.pk}
    # At that handoff (what the timer does then): Ben.
    connect_has(stubber, ANA)
    expect_update(stubber, BEN)
    hotline_sync(schedule_id=schedule.pk, now=schedule.handoff + 24 * H + timedelta(seconds=1))
    assert HotlineChange.objects.first().phone == BEN


def test_an_override_changes_the_hotline_at_its_start_and_back_at_its_end(connect, schedule, run):
    _, stubber = connect
    now = timezone.now()
    connect_has(stubber, ANA)
    expect_update(stubber, CLEO)
    # Its start has passed, so its timer is due at once (run inline by the eager test queue).
    run(override_add, schedule=schedule, start=now - timedelta(minutes=5), end=now + 2 * H, phone=CLEO)
    assert HotlineChange.objects.first().phone == CLEO
    end = Timer.objects.get(callback=SYNC_TASK, state=TimerState.PENDING)
    assert end.due_at == now + 2 * H
    connect_has(stubber, CLEO)
    expect_update(stubber, ANA)
    hotline_sync(schedule_id=schedule.pk, now=end.due_at + timedelta(seconds=1))  # what that timer does then
    assert HotlineChange.objects.first().phone == ANA


def test_the_minute_sweep_repairs_drift_and_leaves_a_right_number_alone(connect, schedule):
    _, stubber = connect
    connect_has(stubber, ANA)
    assert hotline_sweep() == 1
    assert HotlineChange.objects.count() == 0  # up to date: nothing written to Connect, nothing recorded
    connect_has(stubber, "+12065550000")  # someone edited it by hand in Connect
    expect_update(stubber, ANA)
    hotline_sweep()
    assert HotlineChange.objects.get().phone == ANA


def test_a_failed_update_is_recorded_on_the_schedule_page(connect, schedule, admin_client):
    _, stubber = connect
    connect_has(stubber, BEN)
    stubber.add_client_error("update_quick_connect_config", "ThrottlingException", http_status_code=429)
    assert hotline_sync(schedule_id=schedule.pk).startswith("hotline not updated")
    connect_has(stubber, BEN)
    expect_update(stubber, ANA)
    hotline_sync(schedule_id=schedule.pk)
    page = admin_client.get(f"/admin/oncall/schedule/{schedule.pk}/change/").content.decode()
    assert f"hotline → {ANA} from" in page and schedule.handoff.strftime("%H:%M") in page  # the zone is UTC
    assert "failed: " in page
