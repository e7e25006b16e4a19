"""Messaging's own rows that name a person, each erased in short transactions of its own.

Messages, their delivery events and stored SNS bodies, inbound messages and theirs, go in
batches of ``BATCH`` rows, each batch in a transaction of its own, so nothing else waits long
on a row lock: Django's collector deletes each batch, so every table that points at a message
(a timeline entry, an answer, a retry) loses the pointer as ``on_delete`` says, as when a
message is deleted by hand. Opt-outs and suppressions keep their place under the keyed hash.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q

from messaging.erasure.keys import erased_key
from messaging.erasure.subject import ErasureSubject
from messaging.history.archive.plan import archive_plan
from messaging.models import (
    AllowListEntry,
    Attachment,
    AutoReplySent,
    BulkRecipient,
    BulkSend,
    Channel,
    ConnectEvent,
    Conversation,
    DeliveryEvent,
    Dispatch,
    DispatchAttempt,
    ImportChunk,
    ImportRun,
    ImportStatus,
    InboundEmail,
    InboundSms,
    OptOut,
    OutboundMessage,
    SnsNotification,
    Suppression,
    VoiceCall,
    WhatsAppOptOut,
)

# 1,000 rows a transaction: 2,500 made each statement and lock longer (bench/erase.py: the other
# writer's slowest wait 243 ms against 91 ms) for fewer commits.
BATCH = 1000


def _chunks(qs) -> list[list[int]]:
    """The ids of ``qs`` in runs of ``BATCH``, lowest first. Each statement of a batch names its
    ids: a subquery on an id *range* instead let PostgreSQL walk the whole range of a 10-million
    row table, since one person's rows are spread across it (bench/erase.py)."""
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    return [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]


def _links_null(model, rows, *, keep_from=None) -> None:
    """Let go of every pointer to ``rows`` of ``model`` (a subquery), as on_delete=SET_NULL
    would: the archive plan knows them all, and archiving refuses any other kind of pointer.
    ``keep_from`` (model, queryset) leaves the pointers of rows that are going too."""
    for link in archive_plan().links_to(model):
        referrers = link.model._base_manager.filter(**{f"{link.field.attname}__in": rows})
        if keep_from and keep_from[0] is link.model:
            referrers = referrers.exclude(pk__in=keep_from[1])
        referrers.update(**{link.field.attname: None})


def _raw_delete(qs) -> int:
    # Not through Django's collector, which would load every row to find what the plan knows.
    return qs._raw_delete(qs.db) or 0


def _notifications_delete(carriers) -> int:
    """The stored SNS bodies ``carriers`` (a queryset of rows about to go, with ``notification``) came in."""
    model = carriers.model
    rows = SnsNotification._base_manager.filter(pk__in=carriers.exclude(notification=None).values("notification"))
    _links_null(SnsNotification, rows.values("pk"), keep_from=(model, carriers.values("pk")))
    # The carriers still point at them until they go too, in this transaction (the foreign keys
    # are checked at commit).
    return _raw_delete(rows)


def messages_erase(subject: ErasureSubject) -> dict[str, int]:
    """Every message to the person, with its events, its SNS bodies and its omnichannel dispatch.

    Each batch is a few statements, each finding its rows by the batch's ids through an index.
    """
    # channel IN (...) AND recipient IN (...) keeps to msg_recipient_idx (channel, recipient, ...).
    theirs = OutboundMessage._base_manager.filter(channel__in=Channel.values, recipient__in=subject.identities)
    erased = {"messages": 0, "events": 0, "notifications": 0, "dispatches": 0, "calls": 0}
    for batch in _chunks(theirs):
        with transaction.atomic():
            events = DeliveryEvent._base_manager.filter(message__in=batch)
            erased["notifications"] += _notifications_delete(events)
            # A call to the person: its Amazon Connect events (which carry their number) and itself.
            calls = VoiceCall.objects.filter(message__in=batch)
            erased["calls"] += ConnectEvent.objects.filter(
                contact_id__in=calls.exclude(provider_message_id="").values("provider_message_id")).delete()[0]
            erased["calls"] += calls.delete()[0]
            # An omnichannel request to the person goes whole (it is small: Django's collector).
            erased["dispatches"] += Dispatch.objects.filter(attempts__message__in=batch).distinct().delete()[1].get(
                "messaging.Dispatch", 0)
            _links_null(DeliveryEvent, events.values("pk"))
            erased["events"] += _raw_delete(events)
            _raw_delete(DispatchAttempt._base_manager.filter(message__in=batch))
            _links_null(OutboundMessage, batch)
            erased["messages"] += _raw_delete(OutboundMessage._base_manager.filter(pk__in=batch))
    # Events that never found their message (an unknown provider id) name the recipient only.
    stray = DeliveryEvent._base_manager.filter(message__isnull=True, recipient__in=subject.identities)
    for batch in _chunks(stray):
        with transaction.atomic():
            events = DeliveryEvent._base_manager.filter(pk__in=batch)
            erased["notifications"] += _notifications_delete(events)
            _links_null(DeliveryEvent, events.values("pk"))
            erased["events"] += _raw_delete(events)
    return erased


def inbound_erase(subject: ErasureSubject) -> dict[str, int]:
    theirs = InboundSms._base_manager.filter(origination_number__in=subject.phones)
    erased = {"inbound": 0, "notifications": 0}
    for chunk in _chunks(theirs):
        with transaction.atomic():
            batch = InboundSms._base_manager.filter(pk__in=chunk)
            erased["notifications"] += _notifications_delete(batch)
            _links_null(InboundSms, chunk)
            erased["inbound"] += _raw_delete(batch)
    return erased


def emails_erase(subject: ErasureSubject) -> dict[str, int]:
    """Email they sent in (from their address, or matched to them) with its SNS bodies, and the
    record of when they were last auto-answered."""
    emails = tuple(dict.fromkeys(e.lower() for e in subject.emails))
    theirs = InboundEmail._base_manager.filter(Q(from_address__in=emails) | Q(contact_id=subject.contact_id))
    erased = {"emails": 0, "notifications": 0}
    for chunk in _chunks(theirs):
        with transaction.atomic():
            batch = InboundEmail._base_manager.filter(pk__in=chunk)
            erased["notifications"] += _notifications_delete(batch)
            # Few rows: Django's collector, which lets go of whatever points at them.
            erased["emails"] += batch.delete()[1].get("messaging.InboundEmail", 0)
    erased["emails"] += AutoReplySent.objects.filter(sender__in=emails).delete()[0]
    return erased


def _rekey(model, field: str, values: tuple[str, ...], length: int, **also) -> int:
    """Replace ``values`` in ``model.field`` by their keyed hash; a row already keyed (the same
    number erased before) wins, and the clear one goes."""
    changed = 0
    for value in values:
        key = erased_key(value, length=length)
        try:
            with transaction.atomic():
                changed += model.objects.filter(**{field: value}).update(**{field: key}, **also)
        except IntegrityError:
            changed += model.objects.filter(**{field: value}).delete()[0]
    return changed


def consent_erase(subject: ErasureSubject) -> dict[str, int]:
    """STOPs and bounces keep holding, under the keyed hash of the number or address."""
    phones = tuple(dict.fromkeys(subject.phones))
    emails = tuple(dict.fromkeys(e.lower() for e in subject.emails))
    return {"consent": _rekey(OptOut, "phone", phones, 32) + _rekey(WhatsAppOptOut, "phone", phones, 32)
            + _rekey(Suppression, "address", emails, 64, raw={"erased": True})}


def _lines_without(data: bytes, subject: ErasureSubject) -> tuple[bytes, int]:
    """``data`` (a CSV) without the lines that name the person, and how many went."""
    needles = [v.encode() for v in subject.identities if v]
    lines = bytes(data).split(b"\n")
    kept = [line for line in lines if not any(n in line for n in needles)]
    return b"\n".join(kept), len(lines) - len(kept)


def uploads_erase(subject: ErasureSubject) -> dict[str, int]:
    """Stored import and bulk-send files lose the lines that name the person; their previews and
    errors lose the rows. A run still at work is left to finish (it would only write the row again)."""
    changed = 0
    for chunk in ImportChunk.objects.exclude(run__status=ImportStatus.RUNNING).only("pk", "data").iterator():
        data, gone = _lines_without(chunk.data, subject)
        if gone:
            ImportChunk.objects.filter(pk=chunk.pk).update(data=data)
            changed += 1
    for model in (ImportRun, BulkSend):
        rows = model.objects.all()
        if model is ImportRun:
            rows = rows.exclude(status=ImportStatus.RUNNING)
        for row in rows.iterator():
            data, gone = _lines_without(row.data or b"", subject)
            fields = {"data": data} if gone else {}
            for name in ("errors", "preview"):
                value = getattr(row, name, None)
                if isinstance(value, list) and any(subject.names_in(str(item)) for item in value):
                    fields[name] = [item for item in value if not subject.names_in(str(item))]
            if fields:
                model.objects.filter(pk=row.pk).update(**fields)
                changed += 1
    return {"uploads": changed}


def messaging_erase(subject: ErasureSubject) -> dict[str, int]:
    counts = {**messages_erase(subject)}
    for key, value in [*inbound_erase(subject).items(), *emails_erase(subject).items()]:
        counts[key] = counts.get(key, 0) + value
    counts.update(consent_erase(subject))
    counts["conversations"] = Conversation.objects.filter(phone__in=subject.phones).delete()[0]
    counts["allow_list"] = AllowListEntry.objects.filter(phone__in=subject.phones).delete()[0]
    # Their row of a bulk send (its columns and reply are theirs); the send's counts keep them.
    rows = BulkRecipient.objects.filter(Q(address__in=subject.identities) | Q(contact_id=subject.contact_id))
    # A file of their own (a per-recipient attachment from S3) goes too, unless another row shares it.
    own = {int(a) for a in rows.exclude(columns___attachment=None).values_list("columns___attachment", flat=True) if a}
    shared = set(BulkRecipient.objects.exclude(pk__in=rows.values("pk")).filter(
        columns___attachment__in=[str(a) for a in own] + list(own)).values_list("columns___attachment", flat=True))
    counts["bulk_recipients"] = rows.delete()[0]
    counts["attachments"] = Attachment.objects.filter(pk__in=own - {int(a) for a in shared if a}).delete()[0]
    counts.update(uploads_erase(subject))
    return counts

