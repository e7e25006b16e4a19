"""The cap on noise: no number gets more than ``PAGE_CAP_PER_NUMBER`` pages in any 15 minutes.

A page is any incident page message (a level's page or reminder, a notification rule's firing,
on any channel), counted against the contact's phone number. A page over the cap is held: not
sent, written on its incident's timeline ("held by the page cap"), and named in the number's
summary SMS. At most one summary goes to a number per 15 minutes, through one durable timer
(``PageCapNumber.summary_due_at`` says one is waiting), a few seconds after the first page it
holds (``PAGE_CAP_SUMMARY_DELAY_SECONDS``) so that a burst is named in one SMS. The summary
itself is not a page and is never held.

Several workers: every decision about a number is taken under the lock of its ``PageCapNumber``
row (SELECT … FOR UPDATE), which holds the window itself, so two pages at the same instant are
counted one after the other, on any number of workers. A transaction locks all the numbers it
is about to page in one statement, in phone order, so two incidents paging the same people
cannot wait on each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incidents import texts
from incidents.models import OPEN_STATUSES, EventKind, Incident, PageCapNumber
from incidents.timeline import timeline_event
from messaging.models import Channel, Contact
from messaging.outbound.send import message_send
from messaging.scheduling.timers import timer_schedule

WINDOW = timedelta(minutes=15)
# Stored in Timer rows: the stable name in incidents/tasks.py.
SUMMARY_CALLBACK = "incidents.tasks.page_cap_summary_fire"

# The numbers locked for the pages about to be sent: page_cap_lock's answer, handed to page_cap_admit.
CapRows = dict[str, PageCapNumber]


def page_cap_lock(*, phones: Iterable[str]) -> CapRows:
    """Lock these numbers' rows until the transaction ends (creating the missing ones), in one
    order. Nothing is locked when the cap is off."""
    phones = sorted({p for p in phones if p})
    if settings.PAGE_CAP_PER_NUMBER <= 0 or not phones:
        return {}
    rows = list(PageCapNumber.objects.select_for_update().filter(phone__in=phones).order_by("phone"))
    if len(rows) < len(phones):  # a number's first page: its row, then every row locked again in order
        PageCapNumber.objects.bulk_create([PageCapNumber(phone=p) for p in phones], ignore_conflicts=True)
        rows = list(PageCapNumber.objects.select_for_update().filter(phone__in=phones).order_by("phone"))
    return {row.phone: row for row in rows}


def page_cap_admit(*, rows: CapRows, incident: Incident, phone: str, now: datetime | None = None) -> bool:
    """Whether a page to ``phone`` (locked in ``rows``) may go now. A held one is kept for the
    summary, whose timer it starts if none is waiting; the caller writes it on the timeline."""
    number = rows.get(phone)
    if number is None:  # the cap is off, or a contact with no number
        return True
    now = now or timezone.now()
    since = now - WINDOW
    number.sent = [t for t in number.sent if datetime.fromisoformat(t) > since]
    if len(number.sent) < settings.PAGE_CAP_PER_NUMBER:
        number.sent.append(now.isoformat())
        number.save(update_fields=["sent"])
        return True
    if incident.pk not in number.held:
        number.held.append(incident.pk)
    if number.summary_due_at is None:
        due = now + timedelta(seconds=settings.PAGE_CAP_SUMMARY_DELAY_SECONDS)
        if number.summary_sent_at and number.summary_sent_at + WINDOW > due:
            due = number.summary_sent_at + WINDOW
        number.summary_due_at = due
        timer_schedule(callback=SUMMARY_CALLBACK, due_at=due, kwargs={"number_id": number.pk}, owner=number,
                       label=f"page cap summary to {phone}")
    number.save(update_fields=["sent", "held", "summary_due_at"])
    return False


def page_cap_summary_send(*, number_id: int) -> str:
    """The summary timer: one SMS naming the incidents whose pages were held and are still open.

    Each incident it names gets a timeline entry with the SMS, so the person may answer
    ``YES <ref>`` for any of them.
    """
    with transaction.atomic():
        number = PageCapNumber.objects.select_for_update().filter(pk=number_id).first()
        if number is None:
            return "gone"
        ids, number.held, number.summary_due_at = number.held, [], None
        waiting = list(Incident.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).order_by("id"))
        if not waiting:
            number.save(update_fields=["held", "summary_due_at"])
            return "nothing waiting"
        msg = message_send(channel=Channel.SMS, recipient=number.phone, options={"message_type": "TRANSACTIONAL"},
                           body=texts.page_cap_summary_text(incidents=waiting))
        number.summary_sent_at = timezone.now()
        number.save(update_fields=["held", "summary_due_at", "summary_sent_at"])
        contact = Contact.objects.filter(phone=number.phone).values_list("pk", flat=True).first()
        for incident in waiting:
            timeline_event(incident, EventKind.NOTIFIED, contact_id=contact, message=msg,
                           note="the page cap's summary SMS")
        return f"sent, naming {len(waiting)} incidents"
