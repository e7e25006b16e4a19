"""An import's file, kept in the database as ordered 1 MiB chunks (``ImportChunk``).

Why the database: the web process that receives a file and the qcluster worker that checks
and imports it may run on different hosts, and both already share the database; a file on
local disk would be invisible to the other host, and object storage would be a second
dependency for self-hosters. Chunks keep every step streaming: the upload is written a chunk
at a time as it arrives, and ``upload_open`` reads one chunk at a time from any byte offset,
which is how a resumed run skips what it already committed. See docs/architecture.md.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

import psycopg
from django.conf import settings
from django.db import connection, transaction

from messaging.models import ImportChunk, ImportRun

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
# A bulk send's message, as S3 user metadata on its file.
S3_MESSAGE_METADATA = "message"


class UploadTooLarge(Exception):
    """The body went over the limit while it was read (no length was announced, or a false one)."""


def upload_store(*, run: ImportRun, pieces: Iterable[bytes], limit: int) -> int:
    """Write ``pieces`` (an upload as it arrives) as the run's chunks; returns its size in bytes.

    Every chunk but the last holds exactly CHUNK_BYTES, so an offset maps to a chunk by
    division. Raises UploadTooLarge once more than ``limit`` bytes came; the caller's
    transaction then takes back what was written.
    """
    buffer, seq, size = bytearray(), 0, 0
    for piece in pieces:
        size += len(piece)
        if size > limit:
            raise UploadTooLarge(f"More than {limit:,} bytes.")
        buffer += piece
        while len(buffer) >= CHUNK_BYTES:
            _chunk_insert(run.pk, seq, bytes(buffer[:CHUNK_BYTES]))
            del buffer[:CHUNK_BYTES]
            seq += 1
    if buffer:
        _chunk_insert(run.pk, seq, bytes(buffer))
    ImportRun.objects.filter(pk=run.pk).update(size=size)
    run.size = size
    return size


def _chunk_insert(run_id: int, seq: int, data: bytes) -> None:
    if connection.vendor != "postgresql":
        ImportChunk.objects.create(run_id=run_id, seq=seq, data=data)
        return
    # Django's psycopg cursors bind on the client: the chunk would be inlined into the SQL text,
    # and with prepare_threshold set (portal/settings/) psycopg keeps the last 100 distinct
    # texts to count them, so a 50 MB upload stayed in the web process (measured: 69 MB above
    # idle for a 30 MB file). A server-side-binding cursor on the same connection (so in the
    # same transaction) sends the chunk as a parameter and the text stays one short statement.
    connection.ensure_connection()
    table = connection.ops.quote_name(ImportChunk._meta.db_table)
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(f"INSERT INTO {table} (run_id, seq, data) VALUES (%s, %s, %b)", [run_id, seq, data])


def upload_stored(run: ImportRun) -> bool:
    return ImportChunk.objects.filter(run=run).exists()


def upload_delete(run: ImportRun) -> None:
    ImportChunk.objects.filter(run=run).delete()


class _ChunkReader(io.RawIOBase):
    """The stored file as a readable stream, from ``offset``, one chunk in memory at a time."""

    def __init__(self, run_id: int, offset: int):
        super().__init__()
        self.run_id = run_id
        self.seq, skip = divmod(offset, CHUNK_BYTES)
        self.current = memoryview(b"")
        self._load(skip)

    def _load(self, skip: int = 0) -> None:
        data = (ImportChunk.objects.filter(run_id=self.run_id, seq=self.seq).values_list("data", flat=True)
                .first())
        self.current = memoryview(bytes(data) if data is not None else b"")[skip:]
        self.seq += 1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.current:
            self._load()
            if not self.current:
                return 0  # past the last chunk
        n = min(len(buffer), len(self.current))
        buffer[:n] = self.current[:n]
        self.current = self.current[n:]
        return n


def upload_open(run: ImportRun, *, offset: int = 0) -> io.BufferedReader:
    """The run's stored file, readable (lines included) from byte ``offset``."""
    return io.BufferedReader(_ChunkReader(run.pk, offset), buffer_size=64 * 1024)


def upload_bytes(run: ImportRun) -> bytes:
    """The whole stored file, for the kinds still checked in memory (allow-list files are small)."""
    return b"".join(bytes(d) for d in ImportChunk.objects.filter(run=run).order_by("seq")
                    .values_list("data", flat=True).iterator(chunk_size=1))


def upload_adopt_legacy(run: ImportRun) -> None:
    """Move a file kept in ``ImportRun.data`` (runs checked before chunks existed) into chunks."""
    if run.data and not upload_stored(run):
        with transaction.atomic():
            upload_store(run=run, pieces=[bytes(run.data)], limit=len(run.data))
            ImportRun.objects.filter(pk=run.pk).update(data=b"")


def upload_fetch_s3(run: ImportRun) -> str:
    """Stream the run's S3 object into its chunks; returns why it failed, or "" once stored.

    A bulk send's message travels with its file as S3 user metadata (x-amz-meta-message) and is
    kept in the run's options."""
    from messaging.transports.clients import aws_client  # boto3 only where AWS is asked

    try:
        answer = aws_client("s3").get_object(Bucket=run.options["bucket"], Key=run.options["key"])
        with transaction.atomic():
            upload_delete(run)  # a fetch cut short by a dead worker starts again
            upload_store(run=run, pieces=answer["Body"].iter_chunks(64 * 1024),
                         limit=settings.CONTACT_IMPORT_MAX_BYTES)
            message = (answer.get("Metadata") or {}).get(S3_MESSAGE_METADATA)
            if message is not None:
                run.options = {**run.options, "message": message}
                ImportRun.objects.filter(pk=run.pk).update(options=run.options)
    except Exception as exc:  # the bucket or key is gone, AWS refused, or the file is too large
        log.warning("S3 import %s: fetching %s failed: %s", run.pk, run.name, exc)
        return f"Fetching failed: {exc}"[:5000]
    return ""
