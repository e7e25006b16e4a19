"""Messaging's own rows that name a person, each erased in short transactions of its own.

Messages, their delivery events and stored SNS bodies, inbound messages and theirs, go in
batches of ``BATCH`` rows, each batch in a transaction of its own, so nothing else waits long
on a row lock: Django's collector deletes each batch, so every table that points at a message
(a timeline entry, an answer, a retry) loses the pointer as ``on_delete`` says, as when a
message is deleted by hand. Opt-outs and suppressions keep their place under the keyed hash.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from messaging.erasure.keys import erased_key
from messaging.erasure.subject import ErasureSubject
from messaging.models import (
    AllowListEntry,
    BulkSend,
    Channel,
    Conversation,
    DeliveryEvent,
    Dispatch,
    DispatchAttempt,
    ImportChunk,
    ImportRun,
    ImportStatus,
    InboundSms,
    OptOut,
    OutboundMessage,
    SnsNotification,
    Suppression,
    WhatsAppOptOut,
)

BATCH = 1000


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def _notifications_delete(ids: set[int]) -> int:
    ids.discard(None)
    return SnsNotification.objects.filter(pk__in=ids).delete()[1].get("messaging.SnsNotification", 0)


def messages_erase(subject: ErasureSubject) -> dict[str, int]:
    """Every message to the person, with its events, its SNS bodies and its omnichannel dispatch."""
    # channel IN (...) AND recipient IN (...) keeps to msg_recipient_idx (channel, recipient, ...).
    ids = list(OutboundMessage.objects.filter(channel__in=Channel.values, recipient__in=subject.identities)
               .order_by("pk").values_list("pk", flat=True))
    erased = {"messages": 0, "events": 0, "notifications": 0, "dispatches": 0}
    for batch in _batches(ids):
        with transaction.atomic():
            dispatches = set(DispatchAttempt.objects.filter(message__in=batch).values_list("dispatch", flat=True))
            events = DeliveryEvent.objects.filter(message__in=batch)
            notifications = set(events.values_list("notification", flat=True))
            erased["events"] += events.delete()[0]
            erased["notifications"] += _notifications_delete(notifications)
            erased["dispatches"] += Dispatch.objects.filter(pk__in=dispatches).delete()[1].get("messaging.Dispatch", 0)
            erased["messages"] += OutboundMessage.objects.filter(pk__in=batch).delete()[1].get(
                "messaging.OutboundMessage", 0)
    # Events that never found their message (an unknown provider id) name the recipient only.
    stray = list(DeliveryEvent.objects.filter(message__isnull=True, recipient__in=subject.identities)
                 .values_list("pk", "notification"))
    for batch in _batches(stray):
        with transaction.atomic():
            erased["events"] += DeliveryEvent.objects.filter(pk__in=[pk for pk, _ in batch]).delete()[0]
            erased["notifications"] += _notifications_delete({n for _, n in batch})
    return erased


def inbound_erase(subject: ErasureSubject) -> dict[str, int]:
    rows = list(InboundSms.objects.filter(origination_number__in=subject.phones).order_by("pk")
                .values_list("pk", "notification"))
    erased = {"inbound": 0, "notifications": 0}
    for batch in _batches(rows):
        with transaction.atomic():
            erased["inbound"] += InboundSms.objects.filter(pk__in=[pk for pk, _ in batch]).delete()[1].get(
                "messaging.InboundSms", 0)
            erased["notifications"] += _notifications_delete({n for _, n in batch})
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
    for key, value in inbound_erase(subject).items():
        counts[key] = counts.get(key, 0) + value
    counts.update(consent_erase(subject))
    counts["conversations"] = Conversation.objects.filter(phone__in=subject.phones).delete()[0]
    counts["allow_list"] = AllowListEntry.objects.filter(phone__in=subject.phones).delete()[0]
    counts.update(uploads_erase(subject))
    return counts

