"""Receiving an import's file: a small one imported in the request, a large one stored for a worker.

The web process never holds a large file: the body is read in pieces, and as soon as it has
more lines than CONTACT_IMPORT_SYNC_ROWS (or more than ``SYNC_MAX_BYTES``) what came so far
and the rest go straight into the run's stored chunks. The size limit is enforced while
reading, so a body with no length (or a false one) cannot run past CONTACT_IMPORT_MAX_BYTES.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction

from messaging.audience.contacts_import import ImportResult, contacts_import
from messaging.audience.import_runs import import_run_queue
from messaging.audience.uploads import UploadTooLarge, upload_store
from messaging.models import BulkSend, BulkSendStatus, ImportKind, ImportRun

# A file this large is stored and imported on a worker even with few lines: the request parses
# in memory (5,000 ordinary rows are about 0.5 MB).
SYNC_MAX_BYTES = 4 * 1024 * 1024
READ_BYTES = 64 * 1024


def body_pieces(read, *, size: int = READ_BYTES) -> Iterator[bytes]:
    """A request body (anything with ``read(n)``) as pieces, until it ends."""
    while piece := read(size):
        yield piece


def contacts_import_receive(*, pieces: Iterable[bytes], name: str = "api upload", created_by=None
                            ) -> ImportResult | ImportRun:
    """Import a small contacts file now (ImportResult, or ImportInvalid), or store a large one
    and queue it (the queued ImportRun). UploadTooLarge past CONTACT_IMPORT_MAX_BYTES."""
    limit = settings.CONTACT_IMPORT_MAX_BYTES
    pieces = iter(pieces)
    head, lines, size = [], 0, 0
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        lines += piece.count(b"\n")
        if size > limit:
            raise UploadTooLarge(f"More than {limit:,} bytes.")
        if lines > settings.CONTACT_IMPORT_SYNC_ROWS + 1 or size > SYNC_MAX_BYTES:
            return import_run_receive(kind=ImportKind.CONTACTS, pieces=itertools.chain(head, pieces), name=name,
                                      source="api", created_by=created_by)
    return contacts_import(data=b"".join(head))


def import_run_receive(*, kind: str, pieces: Iterable[bytes], name: str, source: str, scope: str = "",
                       created_by=None, confirm: bool = False, options: dict | None = None) -> ImportRun:
    """Store a file as a new run and queue it for a worker, all or nothing (UploadTooLarge past
    the limit). ``confirm``: the worker checks it and waits for "Import now" (the admin)."""
    options = dict(options or {})
    if scope:
        options["scope"] = scope
    if confirm:
        options["confirm"] = True
    with transaction.atomic():
        run = ImportRun.objects.create(kind=kind, source=source, name=name[:1100], created_by=created_by,
                                       options=options)
        upload_store(run=run, pieces=pieces, limit=settings.CONTACT_IMPORT_MAX_BYTES)
        import_run_queue(run)
    return run


def bulk_send_receive(*, name: str, template: str, pieces: Iterable[bytes], created_by=None, send_at=None,
                      quiet=None, purpose: str = "transactional") -> BulkSend:
    """The admin's bulk send: the row now ("checking"), its file stored for the worker that checks
    it; "Send now" (``bulk_send_confirm``) then has that worker send it, held until ``send_at``
    and by ``quiet`` hours (start, end) as an API send is (``messaging.audience.bulk_sends``)."""
    with transaction.atomic():
        bulk = BulkSend.objects.create(name=name[:1100], template=template, source="admin", created_by=created_by,
                                       status=BulkSendStatus.CHECKING, send_at=send_at, purpose=purpose,
                                       quiet_start=quiet[0] if quiet else None, quiet_end=quiet[1] if quiet else None)
        import_run_receive(kind=ImportKind.BULK_SEND, pieces=pieces, name=name, source="admin",
                           created_by=created_by, confirm=True, options={"bulk_send": bulk.pk, "message": template})
    return bulk
