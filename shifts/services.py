"""Shift booking: shifts, campaigns that offer them, and the SMS commands' business logic.

Booking is one conditional UPDATE (``status='available'`` → ``taken``): on PostgreSQL the
row lock makes concurrent claimants wait and then re-check the condition, so exactly one
wins; on SQLite the IMMEDIATE transaction serialises them. Everything that talks to a person
goes through ``messaging.services.message_send``, which sends after commit.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from messaging import consent
from messaging.models import Channel, Contact, MessageStatus, OutboundMessage, Tag
from messaging.parts import sms_parts
from messaging.services import message_send, messages_send_bulk
from messaging.timers import timer_schedule, timers_cancel_for
from shifts.models import CampaignStatus, NotifyChannel, Shift, ShiftCampaign, ShiftStatus

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
# Words an employee texts that must never be read as a shift code: the SMS commands, the
# consent keywords and the incident replies (those handlers run first and would take them).
RESERVED_CODES = ({"REQUEST", "AGENT", "HELP", "YES", "NO", "ACK", "Y", "N"}
                  | consent.OPT_OUT_KEYWORDS | consent.OPT_IN_KEYWORDS)
REQUEST_MAX_PARTS = 3
INFO_IN_LIST = 60  # characters of a shift's information in a list of shifts
CAMPAIGN_CHUNK = 5000  # recipients per bulk insert (keeps SQLite under its variable limit)
# The longest SMS AWS End User Messaging takes (10 GSM-7 parts, 24 in UCS-2). A campaign goes to
# every contact of a tag, so an unbounded one multiplies its parts by the whole audience.
CAMPAIGN_MESSAGE_MAX = 1600

UNKNOWN_CODE_REPLY = "This is not a valid shift code, please reply by typing REQUEST to view the available shifts"
NO_SHIFTS_REPLY = "There are no open shifts right now. We will text you when new ones are posted."
CALLBACK_REPLY = "Thanks. An agent will call you back shortly on {phone}."
CALLBACK_UNAVAILABLE_REPLY = ("Sorry, call-backs are not available at the moment. Reply REQUEST to see the open "
                              "shifts, or a shift code to book one.")


# ---------------------------------------------------------------- shifts


def shift_code_normalize(code: str) -> str:
    return (code or "").strip().upper()


def shift_code_validate(code: str) -> str:
    """The stored form of ``code``, or ValidationError saying what is wrong with it."""
    code = shift_code_normalize(code)
    if not CODE_RE.match(code):
        raise ValidationError({"code": "Use 2-20 letters, digits or dashes, e.g. XYZ1234."})
    if code in RESERVED_CODES:
        raise ValidationError({"code": f"{code} is an SMS command or keyword and cannot be a shift code."})
    return code


def _zone(shift: Shift) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(shift.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def shift_when(shift: Shift) -> str:
    """'Tue 24 Nov 08:00-16:00 UTC' in the shift's own zone; '' when it has no times."""
    if not shift.starts_at:
        return ""
    zone = _zone(shift)
    start = shift.starts_at.astimezone(zone)
    text = f"{start:%a %d %b %H:%M}"
    if shift.ends_at:
        end = shift.ends_at.astimezone(zone)
        text += f"-{end:%H:%M}" if end.date() == start.date() else f" - {end:%a %d %b %H:%M}"
    return f"{text} {start.tzname()}"


def shift_summary(shift: Shift, *, info_chars: int | None = None) -> str:
    info = shift.info if info_chars is None or len(shift.info) <= info_chars else shift.info[:info_chars - 3] + "..."
    return ", ".join(p for p in (info, shift_when(shift), shift.location) if p)


def shift_create(*, code: str, info: str, starts_at: datetime | None = None, ends_at: datetime | None = None,
                 time_zone: str = "", location: str = "", notify_manager: Contact | None = None,
                 notify_channel: str = "") -> Shift:
    """Create an available shift; ValidationError (naming the field) for a bad or duplicate code."""
    shift = Shift(code=shift_code_validate(code), info=(info or "").strip(), starts_at=starts_at, ends_at=ends_at,
                  time_zone=time_zone, location=location, notify_manager=notify_manager,
                  notify_channel=notify_channel)
    shift.full_clean()
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as exc:  # a concurrent create of the same code won
        raise ValidationError({"code": "A shift with this code already exists."}) from exc
    return shift


def shift_get(*, code: str) -> Shift | None:
    return Shift.objects.filter(code=shift_code_normalize(code)).select_related("booked_by").first()


def _not_started(now: datetime) -> Q:
    # A shift with no start time never expires.
    return Q(starts_at__isnull=True) | Q(starts_at__gt=now)


def shift_is_open(*, shift: Shift, now: datetime | None = None) -> bool:
    """Available, and not started yet: what a booking, REQUEST and a campaign may offer."""
    now = now or timezone.now()
    return shift.status == ShiftStatus.AVAILABLE and (shift.starts_at is None or shift.starts_at > now)


def shifts_available(*, now: datetime | None = None):
    """The open shifts, soonest first. A shift whose start has passed is never offered, even in
    the minute before ``shifts_expire`` marks it."""
    return (Shift.objects.filter(_not_started(now or timezone.now()), status=ShiftStatus.AVAILABLE)
            .order_by(F("starts_at").asc(nulls_last=True), "code"))


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
        won = Shift.objects.filter(_not_started(now), code=code, status=ShiftStatus.AVAILABLE).update(
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
        _manager_notify(shift=shift)
    return BookingResult("booked", shift)


def _manager_notify(*, shift: Shift) -> None:
    manager = shift.notify_manager
    if manager is None or not shift.notify_channel:
        return
    who = f"{shift.booked_by.name} ({shift.booked_phone})" if shift.booked_by else shift.booked_phone
    body = f"Shift {shift.code} ({shift_summary(shift, info_chars=INFO_IN_LIST)}) was booked by {who}."
    if shift.notify_channel == NotifyChannel.EMAIL:
        recipient, subject = manager.email, f"Shift {shift.code} was booked"
    else:
        recipient, subject = manager.phone, ""
    if not recipient:
        log.warning("shift %s: manager %s has no %s address; not notified", shift.code, manager.pk,
                    shift.notify_channel)
        return
    message_send(channel=shift.notify_channel, recipient=recipient, body=body, subject=subject, owner=shift)


def shift_release(*, shift: Shift) -> bool:
    """Make a taken shift available again (the booker cannot make it, say)."""
    return Shift.objects.filter(pk=shift.pk, status=ShiftStatus.TAKEN).update(
        status=ShiftStatus.AVAILABLE, booked_phone="", booked_by=None, booked_at=None, campaign=None,
        updated_at=timezone.now()) == 1


# ---------------------------------------------------------------- SMS texts


def shift_list_text(*, shifts: list[Shift], total: int, header: str, footer: str,
                    max_parts: int = REQUEST_MAX_PARTS) -> str:
    """``header``, as many shift lines as fit in ``max_parts`` SMS parts, '+N more', ``footer``."""

    def compose(lines: list[str]) -> str:
        more = total - len(lines)
        body = [header, *lines]
        if more > 0:
            body.append(f"+{more} more.")
        body.append(footer)
        return "\n".join(body)

    lines: list[str] = []
    for shift in shifts:
        candidate = [*lines, f"{shift.code}: {shift_summary(shift, info_chars=INFO_IN_LIST)}"]
        if lines and sms_parts(compose(candidate)).parts > max_parts:
            break
        lines = candidate
    return compose(lines)


def shifts_request_text(*, max_parts: int = REQUEST_MAX_PARTS) -> str:
    """The answer to REQUEST: the open shifts, soonest first, in at most ``max_parts`` parts."""
    available = shifts_available()
    total = available.count()
    if not total:
        return NO_SHIFTS_REPLY
    # More than could ever fit in three parts; the rest is summed up as "+N more".
    shifts = list(available[:40])
    return shift_list_text(shifts=shifts, total=total, header="Open shifts:",
                           footer="Reply with a code to book.", max_parts=max_parts)


def shift_taken_text(*, shift: Shift) -> str:
    available = shifts_available()
    total = available.count()
    if not total:
        return f"Sorry, this shift is already taken ({shift.code}). There are no other open shifts right now."
    return shift_list_text(shifts=list(available[:40]), total=total,
                           header=f"Sorry, this shift is already taken ({shift.code}). Still open:",
                           footer="Reply with a code to book.", max_parts=2)


def shift_booked_text(*, shift: Shift) -> str:
    return (f"Confirmed: shift {shift.code} is yours. {shift_summary(shift)}. "
            f"Reply AGENT if you need to talk to someone.")


# ---------------------------------------------------------------- campaigns


def campaign_message_compose(*, shifts: list[Shift] | None = None) -> str:
    """The default campaign text: the selected open shifts (all open ones if none) with their codes."""
    chosen = [s for s in shifts if shift_is_open(shift=s)] if shifts is not None else None
    if not chosen:
        chosen = list(shifts_available()[:40])
    chosen.sort(key=lambda s: (s.starts_at is None, s.starts_at or timezone.now(), s.code))
    return shift_list_text(shifts=chosen, total=len(chosen), header="Open shifts:",
                           footer="Reply with a code to book, REQUEST for the list, AGENT for a call back.",
                           max_parts=REQUEST_MAX_PARTS)


def campaign_audience(*, tag: Tag) -> list[str]:
    """The phones of every contact carrying ``tag``, in a stable order."""
    return list(Contact.objects.filter(tags=tag).order_by("pk").values_list("phone", flat=True).distinct())


def campaign_audience_size(*, tag: Tag) -> dict:
    phones = campaign_audience(tag=tag)
    opted_out = len(consent.suppressed_among(channel=Channel.SMS, recipients=phones)) if phones else 0
    return {"contacts": len(phones), "opted_out": opted_out, "will_receive": len(phones) - opted_out}


@transaction.atomic
def campaign_message_validate(*, message: str) -> str:
    """``message`` if a campaign may send it, else ValidationError naming ``message`` and the limit."""
    if len(message) > CAMPAIGN_MESSAGE_MAX:
        raise ValidationError({"message": f"A campaign message is at most {CAMPAIGN_MESSAGE_MAX} characters; "
                                          f"this one has {len(message)}."})
    return message


def campaign_create(*, name: str, tag: Tag, message: str = "", shifts: list[Shift] | None = None,
                    send_at: datetime | None = None, created_by=None) -> ShiftCampaign:
    shifts = list(shifts or [])
    message = (message or "").strip() or campaign_message_compose(shifts=shifts or None)
    campaign = ShiftCampaign.objects.create(
        name=name, tag=tag, message=campaign_message_validate(message=message),
        send_at=send_at, created_by=created_by)
    if shifts:
        campaign.shifts.set(shifts)
    return campaign


def campaign_send(*, campaign_id: int) -> int:
    """Send the campaign to its audience now. Returns the number of recipients; runs once.

    The message-log rows are written in a few bulk INSERTs and delivered by batched worker
    tasks after commit (messaging.services.messages_send_bulk).
    """
    with transaction.atomic():
        claimed = ShiftCampaign.objects.filter(
            pk=campaign_id, status__in=[CampaignStatus.DRAFT, CampaignStatus.SCHEDULED]
        ).update(status=CampaignStatus.SENDING, sent_at=timezone.now())
        if not claimed:
            return 0
        campaign = ShiftCampaign.objects.select_related("tag").get(pk=campaign_id)
        if not campaign.message.strip():
            campaign.message = campaign_message_compose(shifts=list(campaign.shifts.all()) or None)
        # Here too, not only in campaign_create: the admin composer saves its own drafts. Raising
        # rolls back the claim above, so the campaign stays a draft that can be shortened.
        campaign_message_validate(message=campaign.message)
        phones = campaign_audience(tag=campaign.tag)
        for i in range(0, len(phones), CAMPAIGN_CHUNK):
            messages_send_bulk(channel=Channel.SMS, recipients=phones[i:i + CAMPAIGN_CHUNK], body=campaign.message,
                               owner=campaign, batch_size=200)
        ShiftCampaign.objects.filter(pk=campaign_id).update(
            status=CampaignStatus.SENT, recipients=len(phones), message=campaign.message)
    return len(phones)


@transaction.atomic
def campaign_launch(*, name: str, tag: Tag, message: str = "", shifts: list[Shift] | None = None,
                    created_by=None) -> tuple[ShiftCampaign, int]:
    """Create and send a campaign in one go (the API). Returns (campaign, recipients)."""
    campaign = campaign_create(name=name, tag=tag, message=message, shifts=shifts, created_by=created_by)
    return campaign, campaign_send(campaign_id=campaign.pk)


def campaign_send_due(*, campaign_id: int) -> None:
    """Timer callback for a campaign with a send time."""
    campaign_send(campaign_id=campaign_id)


@transaction.atomic
def campaign_schedule(*, campaign: ShiftCampaign, send_at: datetime) -> ShiftCampaign:
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise ValidationError({"send_at": f"The campaign is already {campaign.get_status_display().lower()}."})
    timers_cancel_for(owner=campaign)
    timer = timer_schedule(callback="shifts.services.campaign_send_due", due_at=send_at,
                           kwargs={"campaign_id": campaign.pk}, owner=campaign, label=f"send campaign {campaign.name}")
    ShiftCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SCHEDULED, send_at=send_at, timer=timer)
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: ShiftCampaign) -> bool:
    timers_cancel_for(owner=campaign)
    return ShiftCampaign.objects.filter(
        pk=campaign.pk, status__in=[CampaignStatus.DRAFT, CampaignStatus.SCHEDULED]
    ).update(status=CampaignStatus.CANCELLED) == 1


def campaign_attribute(*, phone: str, at: datetime) -> int | None:
    """The campaign a booking answers: the latest one handed to ``phone`` before ``at``."""
    ct = ContentType.objects.get_for_model(ShiftCampaign)
    return (OutboundMessage.objects.filter(channel=Channel.SMS, recipient=phone, owner_type=ct, sent_at__lte=at)
            .order_by("-sent_at").values_list("owner_id", flat=True).first())


def campaign_progress(*, campaign: ShiftCampaign) -> dict:
    """Counts from the message log; ``sent`` includes messages since delivered (handed to the provider)."""
    ct = ContentType.objects.get_for_model(ShiftCampaign)
    counts = dict(OutboundMessage.objects.filter(owner_type=ct, owner_id=campaign.pk)
                  .values_list("status").annotate(n=Count("id")).order_by())
    delivered = counts.get(MessageStatus.DELIVERED, 0)
    done = sum(counts.get(s, 0) for s in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED,
                                          MessageStatus.SUPPRESSED))
    total = campaign.recipients or sum(counts.values())
    return {
        "status": campaign.status,
        "recipients": total,
        "queued": counts.get(MessageStatus.QUEUED, 0),
        "sent": counts.get(MessageStatus.SENT, 0) + delivered,
        "delivered": delivered,
        "failed": counts.get(MessageStatus.FAILED, 0),
        "suppressed": counts.get(MessageStatus.SUPPRESSED, 0),
        "booked": campaign.booked_shifts.count(),
        "percent_done": round(100 * done / total) if total else 100,
    }


# ---------------------------------------------------------------- CSV import


@dataclass
class ImportReport:
    created: int
    errors: list[tuple[int, str]]  # (CSV line number, message); line 1 is the header


def shifts_import_csv(*, text: str) -> ImportReport:
    """Add the shifts in a CSV (header: code,info[,starts_at,ends_at,time_zone,location]).

    All or nothing: every row is validated first (a dry run in a rolled-back transaction,
    which also catches a code repeated inside the file); any error imports no row at all.
    """
    import tablib

    from shifts.resources import ShiftResource

    dataset = tablib.Dataset().load(text, format="csv")
    resource = ShiftResource()
    dry = resource.import_data(dataset, dry_run=True, use_transactions=True)
    errors = import_result_errors(dry)
    if errors:
        return ImportReport(created=0, errors=errors)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    return ImportReport(created=result.totals["new"], errors=[])


def import_result_errors(result) -> list[tuple[int, str]]:
    """django-import-export numbers data rows from 1; people count CSV lines with the header as 1."""
    errors = [(0, str(e.error)) for e in result.base_errors]
    for number, row_errors in result.row_errors():
        errors += [(number + 1, str(e.error)) for e in row_errors]
    for row in result.invalid_rows:
        for field, messages in row.field_specific_errors.items():
            errors += [(row.number + 1, f"{field}: {m}") for m in messages]
        errors += [(row.number + 1, m) for m in row.non_field_specific_errors]
    return sorted(errors)
