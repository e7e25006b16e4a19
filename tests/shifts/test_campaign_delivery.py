"""The batched delivery path campaigns use (messaging.outbound.deliver.messages_deliver_batch)."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from messaging.consent.optouts import optout_record
from messaging.models import MessageStatus, OutboundMessage, Tag
from messaging.outbound.deliver import messages_deliver_batch
from messaging.outbound.send import messages_send_bulk
from messaging.transports.base import PermanentError, TransientError
from shifts import services
from shifts.models import CampaignStatus
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db


def queue(phones, body="Open shifts: XYZ1234"):
    """Log the messages without delivering them (as a campaign does before its tasks run)."""
    ids = messages_send_bulk(channel="sms", recipients=phones, body=body)
    return ids  # the on_commit delivery never fires inside the test's transaction


def test_a_batch_is_handed_to_the_transport_once_with_provider_ids(locmem, employees):
    phones = employees(5)
    ids = queue(phones)

    assert messages_deliver_batch(ids) == {"sent": 5}
    assert messages_deliver_batch(ids) == {"not-claimed": 5}  # a redelivered task sends nothing

    assert sorted(m.recipient for m in locmem.outbox) == phones
    rows = OutboundMessage.objects.filter(pk__in=ids)
    assert {r.status for r in rows} == {MessageStatus.SENT}
    assert {r.provider_message_id for r in rows} == {f"{m.provider_message_id}" for m in rows}
    assert all(r.provider_message_id.startswith("locmem-") and r.sent_at and r.claimed_at is None for r in rows)
    assert len({r.provider_message_id for r in rows}) == 5


def test_a_row_claimed_by_another_worker_is_left_alone(locmem, employees):
    phones = employees(3)
    ids = queue(phones)
    OutboundMessage.objects.filter(pk=ids[0]).update(claimed_at=timezone.now())
    assert messages_deliver_batch(ids) == {"not-claimed": 1, "sent": 2}
    # ...until its claim is old enough to belong to a killed worker.
    OutboundMessage.objects.filter(pk=ids[0]).update(claimed_at=timezone.now() - timedelta(minutes=5))
    assert messages_deliver_batch(ids) == {"not-claimed": 2, "sent": 1}


def test_someone_who_opts_out_before_the_batch_runs_is_suppressed(locmem, employees):
    phones = employees(3)
    ids = queue(phones)
    optout_record(phone=phones[1], keyword="STOP", source="keyword")
    assert messages_deliver_batch(ids) == {"suppressed": 1, "sent": 2}
    assert OutboundMessage.objects.get(recipient=phones[1]).status == MessageStatus.SUPPRESSED
    assert phones[1] not in [m.recipient for m in locmem.outbox]


def test_transport_errors_in_a_batch_retry_or_fail_one_message_each(locmem, employees, settings):
    settings.TASKS_EAGER = False  # the retry is timed: keep it on the queue rather than inline
    phones = employees(3)
    ids = queue(phones)
    locmem.fail_with = [TransientError("slow down", code="ThrottlingException"),
                        PermanentError("bad number", code="ValidationException")]
    assert messages_deliver_batch(ids) == {"retry": 1, "failed": 1, "sent": 1}
    first, second, third = (OutboundMessage.objects.get(pk=pk) for pk in ids)
    assert first.status == MessageStatus.QUEUED and "retrying" in first.error and first.claimed_at is None
    assert second.status == MessageStatus.FAILED and second.error_code == "ValidationException"
    assert third.status == MessageStatus.SENT


def test_paced_sms_fall_back_to_the_per_message_path(locmem, employees, settings):
    settings.SMS_RATE_LIMIT = 1000
    phones = employees(3)
    ids = queue(phones)
    assert messages_deliver_batch(ids) == {"sent": 3}


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_campaign_is_delivered_by_a_real_qcluster(qcluster_factory, employees):
    phones = employees(40)
    qcluster_factory(1)
    campaign = services.campaign_create(name="Real", tag=Tag.objects.get(name="overtime"))
    assert services.campaign_send(campaign_id=campaign.pk) == 40
    wait_for(lambda: services.campaign_progress(campaign=campaign)["sent"] == 40, timeout=20)
    assert OutboundMessage.objects.filter(recipient__in=phones, status=MessageStatus.SENT).count() == 40


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_scheduled_campaign_goes_out_on_time_with_a_real_qcluster(qcluster_factory, employees):
    employees(5)
    qcluster_factory(1)
    campaign = services.campaign_create(name="Soon", tag=Tag.objects.get(name="overtime"))
    due = timezone.now() + timedelta(seconds=2)
    services.campaign_schedule(campaign=campaign, send_at=due)

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    wait_for(lambda: services.campaign_progress(campaign=campaign)["sent"] == 5, timeout=15)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    lateness = (campaign.sent_at - due).total_seconds()
    assert 0 <= lateness < 1.5


def test_campaign_send_inline_delivers_every_message(employees):
    employees(3)
    campaign = services.campaign_create(name="Inline", tag=Tag.objects.get(name="overtime"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.campaign_send(campaign_id=campaign.pk)
    assert services.campaign_progress(campaign=campaign)["sent"] == 3
