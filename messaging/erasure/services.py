"""Erase a person: every row and archive file that names them, then the contact; a receipt.

Order matters. Messaging's rows go first (``tables``), then every other app's (the erasers
named in ``PERSONAL_DATA_ERASERS``, which find their rows through the contact while it still
exists), then the contact, whose delete lets go of every pointer to it as ``on_delete`` says,
and last the archive files, once no row is left that archiving could still move into one.
Each step commits in short transactions of its own: an erasure cut short is run again, and
what it already did is simply not found the second time.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from messaging.erasure.subject import ErasureSubject
from messaging.erasure.tables import messaging_erase
from messaging.history.archive.erasing import archive_erase
from messaging.models import Contact, ErasureReceipt


def erasure_subject(contact: Contact) -> ErasureSubject:
    emails = tuple(dict.fromkeys(e for e in (contact.email, contact.email.lower()) if e))
    phones = tuple(dict.fromkeys(p for p in (contact.phone, contact.whatsapp) if p))
    return ErasureSubject(contact_id=contact.pk, name=contact.name, phones=phones, emails=emails)


def contact_erase(*, contact_id: int, requested_by: str, archive_store=None) -> ErasureReceipt:
    """Raises Contact.DoesNotExist for an unknown id."""
    started = time.monotonic()
    subject = erasure_subject(Contact.objects.get(pk=contact_id))
    counts = messaging_erase(subject)
    for path in settings.PERSONAL_DATA_ERASERS:
        for kind, count in import_string(path)(subject).items():
            counts[kind] = counts.get(kind, 0) + count
    with transaction.atomic():
        counts["contacts"] = Contact.objects.filter(pk=contact_id).delete()[1].get("messaging.Contact", 0)
    in_database = time.monotonic()
    archived = archive_erase(identities=subject.identities, store=archive_store)
    counts["archived"] = archived["archived"]
    done = time.monotonic()
    return ErasureReceipt.objects.create(
        contact_ref=f"contact #{contact_id}", requested_by=requested_by[:200], counts=counts,
        archive_files=archived["archive_files"], seconds=round(done - started, 3),
        archive_seconds=round(done - in_database, 3))
