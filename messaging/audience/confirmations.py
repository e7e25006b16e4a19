"""Answers to bulk sends, and confirmation sends: each answer confirmed, reminders, a summary.

Every reply that answers a bulk send's message (``messaging.inbound.context``: the message named
by previousPublishedMessageId, else the latest one to that number) is kept on its recipient's
row, latest first, and counted in the send's ``replies``; nothing else acts on it, so a YES here
never reaches an incident. A confirmation send (``BulkSend.confirm``, the medicine-intake and
appointment case) also names the answers it expects (YES/NO unless told), confirms each one by
SMS, reminds those who have not answered up to ``reminders`` times every ``reminder_minutes``
(durable timers per release wave, so a recipient held by quiet hours is reminded after their own
message), and at ``deadline`` texts or mails ``summary_to`` who did not confirm.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging.audience import quiet_hours
from messaging.audience.bulk_hold import quiet_window, recipient_zones
from messaging.audience.bulk_voice import voice_message
from messaging.models import BulkRecipient, BulkSend, Channel, InboundSms, MessageStatus, RecipientStatus
from messaging.outbound.send import message_send
from messaging.scheduling.timers import timer_schedule

REMIND_TASK = "messaging.tasks.bulk_send_remind"
SUMMARY_TASK = "messaging.tasks.bulk_send_summary"
DEFAULT_ANSWERS = ("YES", "NO")
DEFAULT_CONFIRMATION = "Thank you, we recorded your answer: {answer}."
DEFAULT_REMINDER = "Reminder: please answer {answers} to our earlier message."
SUMMARY_NAMES = 10  # an SMS summary names this many, then "and N more"


def reply_text(body: str) -> str:
    """How a reply is counted: trimmed, spaces collapsed, upper-case ("yes " and "YES" are one)."""
    return " ".join((body or "").split()).upper()


def expected_answers(send: BulkSend) -> tuple[str, ...]:
    return tuple(a.upper() for a in send.confirm.get("answers") or DEFAULT_ANSWERS)


def answer_of(send: BulkSend, body: str) -> str:
    """The expected answer ``body`` gives (its first word, any case, "Taken, thanks" too), or ""."""
    first = re.match(r"\W*(\w+)", reply_text(body))
    return first.group(1) if first and first.group(1) in expected_answers(send) else ""


def reply_record(*, inbound: InboundSms, send: BulkSend) -> tuple[BulkRecipient | None, str]:
    """Keep ``inbound`` on its recipient's row. Returns (row, the confirmation text to send back or "")."""
    row = (BulkRecipient.objects.select_for_update().filter(bulk=send, address=inbound.origination_number)
           .order_by("-pk").first())
    if row is None:  # the summary's reader, say: not a recipient
        return None, ""
    row.reply, row.replied_at = inbound.body or "", inbound.received_at
    fields = ["reply", "replied_at"]
    confirmation = ""
    if send.confirm:
        answer = answer_of(send, inbound.body)
        if answer:
            row.answer = answer
            fields.append("answer")
            confirmation = (send.confirm.get("reply") or DEFAULT_CONFIRMATION).replace("{answer}", answer)
    row.save(update_fields=fields)
    return row, confirmation


# --- timers ------------------------------------------------------------------------------------

def confirm_schedule(*, send: BulkSend, now: datetime) -> None:
    """The deadline's summary, once per send."""
    deadline = send.confirm.get("deadline")
    if deadline and send.confirm.get("summary_to"):
        timer_schedule(callback=SUMMARY_TASK, due_at=datetime.fromisoformat(deadline), kwargs={"bulk_id": send.pk},
                       owner=send, label=f"Bulk send #{send.pk}: who did not confirm, to {send.confirm['summary_to']}")


def reminders_schedule(*, send: BulkSend, released_at: datetime) -> None:
    """Reminder rounds for the recipients whose messages were logged at ``released_at``."""
    rounds, minutes = int(send.confirm.get("reminders") or 0), int(send.confirm.get("reminder_minutes") or 0)
    if not send.confirm or not rounds or not minutes:
        return
    deadline = send.confirm.get("deadline")
    for n in range(1, rounds + 1):
        due = released_at + timedelta(minutes=minutes * n)
        if deadline and due >= datetime.fromisoformat(deadline):
            break
        timer_schedule(callback=REMIND_TASK, due_at=due, owner=send,
                       kwargs={"bulk_id": send.pk, "wave": released_at.isoformat(), "round": n},
                       label=f"Bulk send #{send.pk}: reminder {n} of {rounds}")


def _not_confirmed(send: BulkSend):
    return send.recipient_rows.filter(answer="").exclude(status__in=[RecipientStatus.FAILED,
                                                                     RecipientStatus.SUPPRESSED])


@transaction.atomic
def bulk_send_remind(*, bulk_id: int, wave: str, round: int) -> int:  # noqa: A002 (stored kwarg name)
    """Timer callback: remind that wave's recipients who were reached and have not answered.
    One inside quiet hours now skips this round rather than be woken."""
    send = BulkSend.objects.select_for_update().filter(pk=bulk_id).first()
    if send is None or send.status == "cancelled":
        return 0
    now, window = timezone.now(), quiet_window(send)
    rows = (_not_confirmed(send).filter(released_at=datetime.fromisoformat(wave), reminders__lt=round)
            .exclude(message__status__in=[MessageStatus.FAILED, MessageStatus.SUPPRESSED])
            .select_related("contact"))
    text = (send.confirm.get("reminder_message") or DEFAULT_REMINDER).replace(
        "{answers}", " or ".join(expected_answers(send)))
    body, options = voice_message(text, {}) if send.channel == Channel.VOICE else (text, {})  # a call again
    sent = 0
    for row in rows:
        if window and _held(recipient_zones(send, row), window, now):
            continue
        message_send(channel=send.channel, recipient=row.address, body=body, options=options,
                     subject="Reminder" if send.channel == Channel.EMAIL else "", owner=send)
        BulkRecipient.objects.filter(pk=row.pk).update(reminders=round)
        sent += 1
    return sent


def _held(zones: tuple[str, ...], window, now: datetime) -> bool:
    try:
        return quiet_hours.release_at(zones=zones, start=window[0], end=window[1], now=now) > now
    except quiet_hours.NoCommonHour:
        return True


def summary_text(send: BulkSend) -> str:
    total = send.recipient_rows.count()
    missing = list(_not_confirmed(send).select_related("contact").order_by("pk"))
    failed = send.recipient_rows.filter(Q(status=RecipientStatus.FAILED) | Q(status=RecipientStatus.SUPPRESSED))
    names = [f"{r.contact.name} {r.address}" if r.contact and r.contact.name != r.address else r.address
             for r in missing[:SUMMARY_NAMES]]
    more = f" and {len(missing) - SUMMARY_NAMES} more" if len(missing) > SUMMARY_NAMES else ""
    head = f"{send.name}: {len(missing)} of {total} did not confirm"
    tail = f"; {failed.count()} could not be reached" if failed.exists() else ""
    return f"{head}: {', '.join(names)}{more}{tail}." if missing else f"{head}{tail}."


@transaction.atomic
def bulk_send_summary(*, bulk_id: int) -> str:
    """Timer callback at the deadline: the summary to ``summary_to`` (a phone by SMS, else email)."""
    send = BulkSend.objects.filter(pk=bulk_id).first()
    if send is None:
        return ""
    text, to = summary_text(send), send.confirm["summary_to"]
    channel = Channel.SMS if to.startswith("+") else Channel.EMAIL
    message_send(channel=channel, recipient=to, body=text, owner=send,
                 subject=f"Confirmations: {send.name}"[:998] if channel == Channel.EMAIL else "")
    return text
