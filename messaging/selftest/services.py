"""The self-test's work: send once per period, fail at the deadline, take the echo.

The tick is a django-q2 schedule every minute (messaging migration); it sends when no run exists
for the current ``SELF_TEST_MINUTES`` period yet, so several clusters send once between them (the
run's unique ``slot``). The deadline is a durable timer. The echo is matched by its nonce alone:
``SELF_TEST_NUMBER`` may be a second origination identity of ours (the SMS then arrives *from*
our own number) or a phone that answers, and either way the reply comes through /sns/.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from messaging.models import Channel, InboundSms
from messaging.outbound.send import message_send
from messaging.scheduling.timers import timer_schedule
from messaging.selftest.models import SelfTestRun, SelfTestState

log = logging.getLogger(__name__)

DEADLINE_CALLBACK = "messaging.tasks.self_test_deadline"
TEXT = "Portal self-test {nonce}: the pager checks that texts go out and come back. Nothing to do."
NONCE = re.compile(r"\bself-test ([0-9a-f]{12})\b", re.IGNORECASE)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def self_test_slot(*, now: datetime) -> datetime:
    """The start of the period ``now`` is in (periods counted from a fixed instant, in UTC)."""
    period = timedelta(minutes=settings.SELF_TEST_MINUTES)
    return _EPOCH + ((now - _EPOCH) // period) * period


def self_test_tick(*, now: datetime | None = None) -> str:
    """Every minute: send this period's test SMS unless it is off or already sent."""
    number = settings.SELF_TEST_NUMBER
    if not number:
        return "off"
    now = now or timezone.now()
    try:
        with transaction.atomic():
            run = SelfTestRun.objects.create(slot=self_test_slot(now=now), nonce=secrets.token_hex(6), number=number,
                                             sent_at=now)
            run.message = message_send(channel=Channel.SMS, recipient=number, body=TEXT.format(nonce=run.nonce),
                                       owner=run)
            run.save(update_fields=["message"])
            due = now + timedelta(seconds=settings.SELF_TEST_TIMEOUT_SECONDS)
            timer_schedule(callback=DEADLINE_CALLBACK, due_at=due,
                           kwargs={"run_id": run.pk}, owner=run, label=f"self-test {run.nonce}")
    except IntegrityError:
        return "already sent this period"  # another cluster's tick, or an earlier tick of ours
    return f"sent {run.nonce}"


def self_test_answer(*, inbound: InboundSms) -> SelfTestRun | None:
    """The echo of a run, if ``inbound`` is one: its round trip is recorded (a late one too)."""
    match = NONCE.search(inbound.body or "")
    if match is None:
        return None
    with transaction.atomic():
        run = SelfTestRun.objects.select_for_update().filter(nonce=match[1].lower()).first()
        if run is None or run.answered_at is not None:
            return run  # not ours, or a repeat of an echo already counted
        run.answered_at = inbound.received_at
        run.round_trip_seconds = max((inbound.received_at - run.sent_at).total_seconds(), 0.0)
        if run.state == SelfTestState.WAITING:
            run.state = SelfTestState.OK
        run.save(update_fields=["answered_at", "round_trip_seconds", "state"])
    return run


def self_test_deadline(*, run_id: int) -> str:
    """The deadline timer (inside its transaction): a run still waiting has failed; say so."""
    run = SelfTestRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or run.state != SelfTestState.WAITING:
        return "answered"
    run.state = SelfTestState.FAILED
    text = (f"The pager's self-test SMS to {run.number} (sent {timezone.localtime(run.sent_at):%Y-%m-%d %H:%M:%S %Z}, "
            f"nonce {run.nonce}) did not come back within {settings.SELF_TEST_TIMEOUT_SECONDS} s. Pages by SMS may "
            "not be reaching people: check the message log and the AWS console.")
    told = self_test_alert_email(run=run, text=text) + self_test_alert_call(run=run, text=text)
    run.alerted = ", ".join(told)[:300]
    run.save(update_fields=["state", "alerted"])
    if not told:
        log.error("self-test %s failed and nobody is set to be told (SELF_TEST_ALERT_EMAILS): %s", run.nonce, text)
    return "failed"


def self_test_alert_email(*, run: SelfTestRun, text: str) -> list[str]:
    """Email SELF_TEST_ALERT_EMAILS: SES is another service than the SMS that failed."""
    for address in settings.SELF_TEST_ALERT_EMAILS:
        message_send(channel=Channel.EMAIL, recipient=address, subject="Pager self-test failed", body=text, owner=run)
    return list(settings.SELF_TEST_ALERT_EMAILS)


def self_test_alert_call(*, run: SelfTestRun, text: str) -> list[str]:
    """Call SELF_TEST_ALERT_PHONES through Amazon Connect, when voice goes through Connect.

    A voice call through AWS End User Messaging uses the origination identities whose SMS just
    failed, so it is made only when ``VOICE_TRANSPORT`` is ``connect`` (a separate service; built
    on another branch): then the normal voice channel reaches Connect. Otherwise nobody is called.
    """
    if settings.VOICE_TRANSPORT != "connect":
        return []
    for phone in settings.SELF_TEST_ALERT_PHONES:
        message_send(channel=Channel.VOICE, recipient=phone, body=text, owner=run)
    return list(settings.SELF_TEST_ALERT_PHONES)
