"""Shift booking: the transitions of shifts and of the campaigns that offer them.

Booking is one conditional UPDATE (``status='available'`` → ``taken``): on PostgreSQL the
row lock makes concurrent claimants wait and then re-check the condition, so exactly one
wins; on SQLite the IMMEDIATE transaction serialises them. Everything that talks to a person
goes through ``messaging.outbound.send.message_send``, which sends after commit.

Reads are in ``shifts.selectors``, the texts in ``shifts.texts``, the code rule in
``shifts.codes`` and the CSV import in ``shifts.imports``. Two names here are stored in rows
and must stay importable from this module: ``shifts_expire`` (a django-q2 Schedule made by
migration 0002) and ``campaign_send_due`` (the callback of a scheduled campaign's Timer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from messaging.audience.personal import contact_template_validate, messages_send_personal
from messaging.contacts import allow_list_add_many
from messaging.models import AllowListScope, Channel, Contact, Tag, Topic
from messaging.outbound.send import message_send, messages_send_bulk
from messaging.outbound.wording import line_breaks_normalize
from messaging.scheduling.timers import timer_schedule, timers_cancel_for
from messaging.templates.render import template_placeholders
from messaging.templates.sending import templated_messages
from messaging.topics.preferences import topic_allowed_ids
from shifts.codes import shift_code_normalize, shift_code_validate
from shifts.cover import shift_cover_make, shift_cover_remove
from shifts.models import CampaignStatus, NotifyChannel, Shift, ShiftCampaign, ShiftStatus
from shifts.selectors import (
    CAMPAIGN_UNSENT,
    campaign_attribute,
    campaign_audience,
    campaign_is_due_later,
    campaign_is_unsent,
    shifts_not_started,
)

# Reads that callers written before the split (the shifts tests among them, which keep their
# calls unchanged) ask this module for; new code imports them from shifts.selectors.
from shifts.selectors import campaign_audience_size as campaign_audience_size
from shifts.selectors import campaign_progress as campaign_progress
from shifts.selectors import shift_get as shift_get
from shifts.texts import campaign_message_compose, shift_manager_text

log = logging.getLogger(__name__)

CAMPAIGN_CHUNK = 5000  # recipients per bulk insert (keeps SQLite under its variable limit)
# The longest SMS AWS End User Messaging takes (10 GSM-7 parts, 24 in UCS-2). A campaign goes to
# every contact of a tag, so an unbounded one multiplies its parts by the whole audience.
CAMPAIGN_MESSAGE_MAX = 1600
# The dotted path a scheduled campaign's Timer stores; see the module docstring.
CAMPAIGN_SEND_DUE = "shifts.services.campaign_send_due"


def shift_create(*, code: str, info: str, starts_at: datetime | None = None, ends_at: datetime | None = None,
                 time_zone: str = "", location: str = "", notify_manager: Contact | None = None,
                 notify_channel: str = "", schedule=None) -> Shift:
    """Create an available shift; ValidationError (naming the field) for a bad or duplicate code.

    With ``schedule`` it is on-call cover: its booker becomes on call there for its hours."""
    shift = Shift(code=shift_code_validate(code), info=(info or "").strip(), starts_at=starts_at, ends_at=ends_at,
                  time_zone=time_zone, location=location, notify_manager=notify_manager,
                  notify_channel=notify_channel, schedule=schedule)
    shift.full_clean()
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as exc:  # a concurrent create of the same code won
        raise ValidationError({"code": "A shift with this code already exists."}) from exc
    return shift


def shift_notify_validate(*, notify_manager: Contact | None, notify_channel: str) -> None:
    """ValidationError naming ``notify_manager`` when a channel is chosen but nobody to tell."""
    if notify_channel and not notify_manager:
        raise ValidationError({"notify_manager": "Choose who to notify, or leave the channel empty."})


def shifts_expire(*, now: datetime | None = None, shift: Shift | None = None) -> int:
    """Scheduled every minute: available shifts whose start has passed become ``expired``, so
    the admin, the API and the manager see that nobody took them. Returns how many."""
    now = now or timezone.now()
    rows = Shift.objects.filter(status=ShiftStatus.AVAILABLE, starts_at__lte=now)
    if shift is not None:
        rows = rows.filter(pk=shift.pk)
    return rows.update(status=ShiftStatus.EXPIRED, updated_at=now)


@dataclass
class BookingResult:
    outcome: str  # "booked", "taken", "yours", "closed" or "unknown"
    shift: Shift | None = None


def shift_book(*, code: str, phone: str, now: datetime | None = None) -> BookingResult:
    """Book the shift ``code`` for ``phone`` if it is available. Exactly one concurrent claimant wins."""
    code = shift_code_normalize(code)
    now = now or timezone.now()
    contact = Contact.objects.filter(phone=phone).first()
    with transaction.atomic():
        won = Shift.objects.filter(shifts_not_started(now), code=code, status=ShiftStatus.AVAILABLE).update(
            status=ShiftStatus.TAKEN, booked_phone=phone, booked_by=contact, booked_at=now, updated_at=now) == 1
        shift = Shift.objects.filter(code=code).first()
        if shift is None:
            return BookingResult("unknown")
        if not won:
            if shift.status == ShiftStatus.TAKEN:
                return BookingResult("yours" if shift.booked_phone == phone else "taken", shift)
            if shift.status == ShiftStatus.AVAILABLE and shifts_expire(now=now, shift=shift):
                shift.status = ShiftStatus.EXPIRED  # it has started; the minute sweep had not got to it yet
            return BookingResult("closed", shift)
        campaign_id = campaign_attribute(phone=phone, at=now)
        if campaign_id:
            Shift.objects.filter(pk=shift.pk).update(campaign_id=campaign_id)
            shift.campaign_id = campaign_id
        shift_cover_make(shift=shift, phone=phone)
        _manager_notify(shift=shift)
    return BookingResult("booked", shift)


def _manager_notify(*, shift: Shift) -> None:
    manager = shift.notify_manager
    if manager is None or not shift.notify_channel:
        return
    if shift.notify_channel == NotifyChannel.EMAIL:
        recipient, subject = manager.email, f"Shift {shift.code} was booked"
    else:
        recipient, subject = manager.phone, ""
    if not recipient:
        log.warning("shift %s: manager %s has no %s address; not notified", shift.code, manager.pk,
                    shift.notify_channel)
        return
    message_send(channel=shift.notify_channel, recipient=recipient, body=shift_manager_text(shift=shift),
                 subject=subject, owner=shift)


def shift_release(*, shift: Shift) -> bool:
    """Make a taken shift available again (the booker cannot make it, say); its on-call cover goes."""
    with transaction.atomic():
        released = Shift.objects.filter(pk=shift.pk, status=ShiftStatus.TAKEN).update(
            status=ShiftStatus.AVAILABLE, booked_phone="", booked_by=None, booked_at=None, campaign=None,
            updated_at=timezone.now()) == 1
        if released:
            shift_cover_remove(shift=Shift.objects.get(pk=shift.pk))
    return released


def shifts_cancel(*, shifts: QuerySet[Shift]) -> int:
    """Cancel those of ``shifts`` that are still available; a taken one stays its booker's.
    Returns how many were cancelled."""
    return shifts.filter(status=ShiftStatus.AVAILABLE).update(status=ShiftStatus.CANCELLED,
                                                              updated_at=timezone.now())


def campaign_message_validate(*, message: str) -> str:
    """``message`` (its line breaks as ``\n``) if a campaign may send it, else ValidationError
    naming ``message`` and the limit."""
    message = line_breaks_normalize(message)
    if len(message) > CAMPAIGN_MESSAGE_MAX:
        raise ValidationError({"message": f"A campaign message is at most {CAMPAIGN_MESSAGE_MAX} characters; "
                                          f"this one has {len(message)}."})
    # Placeholders ({name}) are filled from each contact; an unknown one is refused here.
    return contact_template_validate(text=message, field="message")


def campaign_send_at_validate(*, send_at: datetime | None) -> datetime | None:
    """``send_at`` if a campaign may be scheduled for it (empty: sent on demand), else ValidationError."""
    if send_at and send_at <= timezone.now():
        raise ValidationError({"send_at": "Choose a time in the future, or leave it empty to send on demand."})
    return send_at


def campaign_template_validate(*, template: str) -> str:
    """``template`` if it names a template a campaign can fill (a contact's fields only), else
    ValidationError naming ``template``."""
    try:
        used = template_placeholders(template_name=template)
    except ValidationError as exc:
        raise ValidationError({"template": exc.messages}) from exc
    extra = sorted(used - {"name", "first_name", "phone", "email", "preferences_url"})
    if extra:
        raise ValidationError({"template": f"A campaign fills only a contact's fields; the template also uses "
                                           f"{', '.join('{' + n + '}' for n in extra)}."})
    return template


@transaction.atomic
def campaign_create(*, name: str, tag: Tag, message: str = "", shifts: list[Shift] | None = None,
                    send_at: datetime | None = None, created_by=None, template: str = "",
                    topic: Topic | None = None) -> ShiftCampaign:
    shifts = list(shifts or [])
    if template:
        campaign_template_validate(template=template)
    else:
        message = (message or "").strip() or campaign_message_default(shifts=shifts or None)
    campaign = ShiftCampaign.objects.create(
        name=name, tag=tag, message=campaign_message_validate(message=message or ""), template=template,
        topic=topic, send_at=send_at, created_by=created_by)
    if shifts:
        campaign.shifts.set(shifts)
    return campaign


def campaign_message_default(*, shifts: list[Shift] | None) -> str:
    """The text composed from ``shifts`` (every open shift if none): what a campaign sends while
    nobody has written its message."""
    # A campaign message is a template ({name}); braces in a shift's info are text, not placeholders.
    return campaign_message_compose(shifts=shifts).replace("{", "{{").replace("}", "}}")



def campaign_message_current(*, campaign: ShiftCampaign) -> str:
    """What the campaign would send now: its own message, or while it has none the text composed
    from its shifts as they are now (so it follows the shifts chosen until it is sent)."""
    if campaign.message.strip():
        return campaign.message
    return campaign_message_default(shifts=list(campaign.shifts.all()) or None)


def campaign_message_to_store(*, message: str, composed: list[str]) -> str:
    """The message a draft keeps: '' (keep following the shifts) while ``message`` is still one
    of the ``composed`` texts the manager was shown or would be shown, else the manager's own
    text. Compared with line breaks normalised: a browser sends the shown text back with \r\n."""
    message = line_breaks_normalize(message).strip()
    if not message or message in {line_breaks_normalize(text).strip() for text in composed}:
        return ""
    return message


def campaign_send(*, campaign_id: int) -> int:
    """Send the campaign to its audience now. Returns the number of recipients; runs once.

    The message-log rows are written in a few bulk INSERTs and delivered by batched worker
    tasks after commit (messaging.outbound.send.messages_send_bulk).
    """
    with transaction.atomic():
        claimed = ShiftCampaign.objects.filter(pk=campaign_id, status__in=CAMPAIGN_UNSENT).update(
            status=CampaignStatus.SENDING, sent_at=timezone.now())
        if not claimed:
            return 0
        campaign = ShiftCampaign.objects.select_related("tag", "topic").get(pk=campaign_id)
        if campaign.template:
            phones = _campaign_send_templated(campaign=campaign)
        else:
            campaign.message = campaign_message_current(campaign=campaign)
            # Here too, not only in campaign_create: the admin composer saves its own drafts. Raising
            # rolls back the claim above, so the campaign stays a draft that can be shortened.
            campaign_message_validate(message=campaign.message)
            phones = campaign_audience(tag=campaign.tag)
            if campaign.topic is not None:  # who said no to the topic by SMS gets nothing, not even a log row
                allowed = topic_allowed_ids(list(Contact.objects.filter(phone__in=phones)), campaign.topic,
                                            Channel.SMS)
                phones = list(Contact.objects.filter(pk__in=allowed).order_by("pk").values_list("phone", flat=True))
            for i in range(0, len(phones), CAMPAIGN_CHUNK):
                messages_send_personal(channel=Channel.SMS, recipients=phones[i:i + CAMPAIGN_CHUNK],
                                       template=campaign.message, owner=campaign, batch_size=200)
        ShiftCampaign.objects.filter(pk=campaign_id).update(
            status=CampaignStatus.SENT, recipients=len(phones), message=campaign.message)
    return len(phones)


def _campaign_send_templated(*, campaign: ShiftCampaign) -> list[str]:
    """Each contact of the tag gets the template's SMS variant in their own language; returns the phones sent to."""
    contacts = list(Contact.objects.filter(tags=campaign.tag).order_by("pk").distinct())
    sent: list[str] = []
    for i in range(0, len(contacts), CAMPAIGN_CHUNK):
        ready, _ = templated_messages(template_name=campaign.template, channel=Channel.SMS,
                                      contacts=contacts[i:i + CAMPAIGN_CHUNK], topic=campaign.topic)
        if ready:
            messages_send_bulk(channel=Channel.SMS, recipients=[m.recipient for m in ready], body=campaign.template,
                               bodies=[m.rendered.body for m in ready], owner=campaign, batch_size=200)
        sent += [m.recipient for m in ready]
    return sent


@transaction.atomic
def campaign_launch(*, name: str, tag: Tag, message: str = "", shifts: list[Shift] | None = None,
                    created_by=None, template: str = "", topic: Topic | None = None) -> tuple[ShiftCampaign, int]:
    """Create and send a campaign in one go (the API). Returns (campaign, recipients)."""
    campaign = campaign_create(name=name, tag=tag, message=message, shifts=shifts, created_by=created_by,
                               template=template, topic=topic)
    return campaign, campaign_send(campaign_id=campaign.pk)


def campaign_send_due(*, campaign_id: int) -> None:
    """Timer callback for a campaign with a send time."""
    campaign_send(campaign_id=campaign_id)


@transaction.atomic
def campaign_schedule(*, campaign: ShiftCampaign, send_at: datetime) -> ShiftCampaign:
    if not campaign_is_unsent(campaign=campaign):
        raise ValidationError({"send_at": f"The campaign is already {campaign.get_status_display().lower()}."})
    timers_cancel_for(owner=campaign)
    timer = timer_schedule(callback=CAMPAIGN_SEND_DUE, due_at=send_at, kwargs={"campaign_id": campaign.pk},
                           owner=campaign, label=f"send campaign {campaign.name}")
    ShiftCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SCHEDULED, send_at=send_at, timer=timer)
    campaign.refresh_from_db()
    return campaign


@dataclass
class CampaignConfirmation:
    outcome: str  # "refused" (already under way or over), "scheduled" or "sending"
    recipients: int = 0


def campaign_confirm(*, campaign: ShiftCampaign, send_now: bool = False) -> CampaignConfirmation:
    """The manager confirmed the preview: a campaign whose send time is still ahead is scheduled
    for it (unless ``send_now``), any other unsent one is sent now, and one already under way or
    over is refused. ValidationError when its message is over the limit (nothing is sent)."""
    if not campaign_is_unsent(campaign=campaign):
        return CampaignConfirmation("refused")
    if campaign_is_due_later(campaign=campaign) and not send_now:
        campaign_schedule(campaign=campaign, send_at=campaign.send_at)
        return CampaignConfirmation("scheduled")
    return CampaignConfirmation("sending", recipients=campaign_send(campaign_id=campaign.pk))


@transaction.atomic
def campaign_cancel(*, campaign: ShiftCampaign) -> bool:
    timers_cancel_for(owner=campaign)
    return ShiftCampaign.objects.filter(pk=campaign.pk, status__in=CAMPAIGN_UNSENT).update(
        status=CampaignStatus.CANCELLED) == 1


def campaign_audience_allow(*, tag: Tag) -> int:
    """Put every contact a campaign to ``tag`` reaches on the shifts allow-list (the composer's
    one click), so their bookings count; returns how many were added."""
    return allow_list_add_many(phones=campaign_audience(tag=tag), scope=AllowListScope.SHIFTS)
