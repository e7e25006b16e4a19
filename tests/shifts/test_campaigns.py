"""Campaigns: default message, audience, send once, send later, progress and attribution."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from messaging.consent.optouts import optout_record
from messaging.events.apply import delivery_event_apply
from messaging.events.types import NormalizedEvent
from messaging.models import EventType, MessageStatus, OutboundMessage, Tag, TimerState
from messaging.scheduling.timers import timers_fire_due
from shifts import services
from shifts.models import CampaignStatus, ShiftCampaign
from tests.support.shifts import sms_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_shifts(db):
    now = timezone.now()
    return [services.shift_create(code="XYZ1234", info="Warehouse picker", starts_at=now + timedelta(days=1)),
            services.shift_create(code="ABC9876", info="Forklift driver", starts_at=now + timedelta(hours=5)),
            services.shift_create(code="NIGHT1", info="Night inventory")]


def send(campaign):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.campaign_send(campaign_id=campaign.pk)


def test_the_default_message_lists_the_selected_shifts_soonest_first(employees, open_shifts):
    employees(1)
    xyz, abc, _night = open_shifts
    campaign = services.campaign_create(name="Week 48", tag=Tag.objects.get(name="overtime"), shifts=[xyz, abc])
    assert campaign.message.startswith("Open shifts:\nABC9876: Forklift driver")
    assert "XYZ1234: Warehouse picker" in campaign.message and "NIGHT1" not in campaign.message
    assert "Reply with a code to book" in campaign.message


def test_an_edited_message_is_sent_as_written(employees, open_shifts):
    employees(2)
    campaign = services.campaign_create(name="Edited", tag=Tag.objects.get(name="overtime"),
                                        message="Overtime Sat! Text XYZ1234 to book.", shifts=open_shifts)
    send(campaign)
    assert set(OutboundMessage.objects.values_list("body", flat=True)) == {"Overtime Sat! Text XYZ1234 to book."}


def test_a_campaign_sends_once_and_opted_out_contacts_are_suppressed(employees, open_shifts):
    phones = employees(4)
    optout_record(phone=phones[0], keyword="STOP", source="keyword")
    tag = Tag.objects.get(name="overtime")
    assert services.campaign_audience_size(tag=tag) == {"contacts": 4, "opted_out": 1, "will_receive": 3,
                                                          "not_allowed": 0}
    campaign = services.campaign_create(name="Once", tag=tag)

    assert send(campaign) == 4
    assert send(campaign) == 0  # a double click, a duplicate timer run

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.recipients == 4
    progress = services.campaign_progress(campaign=campaign)
    assert progress | {} == {"status": "sent", "recipients": 4, "queued": 0, "sent": 3, "delivered": 0, "failed": 0,
                             "suppressed": 1, "booked": 0, "percent_done": 100}


def test_progress_counts_deliveries_failures_and_bookings_from_the_campaign(employees, open_shifts):
    ana, ben, cleo = employees(3)
    outsider, = employees(1, tag="other", start=400)
    campaign = services.campaign_create(name="Progress", tag=Tag.objects.get(name="overtime"))
    send(campaign)
    msgs = {m.recipient: m for m in OutboundMessage.objects.filter(owner_id=campaign.pk)}
    for phone, event in ((ana, EventType.DELIVERED), (ben, EventType.FAILED)):
        delivery_event_apply(event=NormalizedEvent(
            event_type=event, provider_message_id=msgs[phone].provider_message_id, channel="sms",
            provider_event="TEXT_DELIVERED" if event == EventType.DELIVERED else "TEXT_BLOCKED", raw={}))

    sms_in(ana, "XYZ1234")  # a recipient, after the campaign: attributed
    sms_in(outsider, "ABC9876")  # allow-listed but never got this campaign: not attributed

    p = services.campaign_progress(campaign=campaign)
    assert (p["recipients"], p["sent"], p["delivered"], p["failed"], p["booked"]) == (3, 2, 1, 1, 1)
    assert list(campaign.booked_shifts.values_list("code", flat=True)) == ["XYZ1234"]


def test_a_booking_is_attributed_to_the_latest_campaign_the_booker_received(employees, open_shifts):
    [ana] = employees(1)
    tag = Tag.objects.get(name="overtime")
    first = services.campaign_create(name="First", tag=tag)
    send(first)
    second = services.campaign_create(name="Second", tag=tag)
    send(second)
    sms_in(ana, "NIGHT1")
    assert services.campaign_progress(campaign=second)["booked"] == 1
    assert services.campaign_progress(campaign=first)["booked"] == 0


def test_a_campaign_with_a_send_time_goes_out_at_that_time(employees, open_shifts):
    employees(3)
    campaign = services.campaign_create(name="Later", tag=Tag.objects.get(name="overtime"))
    due = timezone.now() + timedelta(minutes=30)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.campaign_schedule(campaign=campaign, send_at=due)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED and campaign.timer.state == TimerState.PENDING

    timers_fire_due(now=due - timedelta(seconds=1))
    assert not OutboundMessage.objects.exists()

    with TestCase.captureOnCommitCallbacks(execute=True):
        timers_fire_due(now=due)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == 3


def test_a_cancelled_scheduled_campaign_never_sends(employees, open_shifts):
    employees(2)
    campaign = services.campaign_create(name="Cancel me", tag=Tag.objects.get(name="overtime"))
    due = timezone.now() + timedelta(minutes=5)
    services.campaign_schedule(campaign=campaign, send_at=due)
    assert services.campaign_cancel(campaign=campaign)
    timers_fire_due(now=due + timedelta(minutes=1))
    assert not OutboundMessage.objects.exists()
    assert ShiftCampaign.objects.get().status == CampaignStatus.CANCELLED


def test_demo_seed_is_idempotent(db):
    from shifts.demo import demo_seed
    from shifts.models import Shift

    demo_seed()
    demo_seed()
    assert sorted(Shift.objects.values_list("code", flat=True)) == ["XYZ1234", "XYZ2345", "XYZ3456"]
