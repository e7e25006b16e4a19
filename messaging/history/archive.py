"""Retention: old message-log rows go to gzipped JSON Lines files, then out of the database.

One file per day and table (``<prefix><table>/<YYYY-MM-DD>.jsonl.gz``), in S3
(``ARCHIVE_S3_BUCKET``) or a local folder (``ARCHIVE_DIR``). Tables: the message log, the
delivery events of those messages, inbound SMS and stored SNS notifications, each by the day
of its own timestamp (an event goes with its message's day).

Nothing is deleted before its file is written and read back: the file is fetched again, and
the ids in it must cover every row about to be deleted. A day's file is merged with what is
already archived for that day, never overwritten with less, so a worker killed between the
upload and the last delete loses nothing: the next run finds the remaining rows, writes the
union, checks it, and deletes them. Deletes go in batches of ``ARCHIVE_BATCH_SIZE`` rows, each
its own short transaction, so no lock is held for long. The day's rollup is rebuilt before
its rows go, so the report keeps the day.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from messaging.history.rollups import day_bounds, rollup_days_rebuild
from messaging.models import DeliveryEvent, InboundSms, OutboundMessage, SnsNotification

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    day_field: str  # the timestamp whose day files the row


TABLES = [
    # Events first: they point at messages, and go with their message's day.
    Table("deliveryevent", DeliveryEvent, "message__created_at"),
    Table("outboundmessage", OutboundMessage, "created_at"),
    Table("inboundsms", InboundSms, "received_at"),
    Table("snsnotification", SnsNotification, "received_at"),
]


class ArchiveCheckFailed(Exception):
    """The file read back does not hold every row about to be deleted; nothing was deleted."""


class LocalStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def get(self, key: str) -> bytes | None:
        path = self.folder / key
        return path.read_bytes() if path.exists() else None

    def put(self, key: str, data: bytes) -> None:
        path = self.folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)  # a reader sees the old file or the new one, never half of one


class S3Store:
    def __init__(self, bucket: str, prefix: str = ""):
        import boto3  # only a site that archives to S3 needs a client

        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client("s3", region_name=settings.AWS_REGION)

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                               ContentType="application/x-ndjson", ContentEncoding="gzip")


def archive_store():
    if settings.ARCHIVE_S3_BUCKET:
        return S3Store(settings.ARCHIVE_S3_BUCKET, settings.ARCHIVE_S3_PREFIX)
    return LocalStore(Path(settings.ARCHIVE_DIR) / settings.ARCHIVE_S3_PREFIX)


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but with every microsecond: a restored row must equal the archived one."""

    def default(self, o):
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _key(table: Table, day: date) -> str:
    return f"{table.name}/{day.isoformat()}.jsonl.gz"


def _decode(data: bytes | None) -> dict[int, dict]:
    if not data:
        return {}
    rows = (json.loads(line) for line in gzip.decompress(data).decode().splitlines() if line)
    return {row["id"]: row for row in rows}


def _encode(rows: dict[int, dict]) -> bytes:
    text = "".join(json.dumps(rows[i], cls=_Encoder, ensure_ascii=False) + "\n" for i in sorted(rows))
    return gzip.compress(text.encode(), mtime=0)


def _rows(table: Table, day: date):
    start, end = day_bounds(day)
    return table.model.objects.filter(**{f"{table.day_field}__gte": start, f"{table.day_field}__lt": end})


def archive_day(*, day: date, store=None, batch_size: int | None = None) -> dict[str, int]:
    """Archive and delete one day of every table; returns rows deleted per table."""
    store = store or archive_store()
    batch_size = batch_size or settings.ARCHIVE_BATCH_SIZE
    rollup_days_rebuild(days=[day])  # the report keeps the day once its rows are gone
    deleted = {}
    for table in TABLES:
        queryset = _rows(table, day)
        current = {row["id"]: row for row in queryset.order_by("id").values()}
        if not current:
            deleted[table.name] = 0
            continue
        key = _key(table, day)
        merged = {**_decode(store.get(key)), **current}
        store.put(key, _encode(merged))
        written = _decode(store.get(key))  # read back what was stored, not what was meant
        if not set(current) <= set(written):
            raise ArchiveCheckFailed(f"{key}: {len(set(current) - set(written))} row(s) missing after upload")
        ids = sorted(current)
        for i in range(0, len(ids), batch_size):
            with transaction.atomic():
                table.model.objects.filter(pk__in=ids[i:i + batch_size]).delete()
        deleted[table.name] = len(ids)
        log.info("archived %s rows of %s for %s to %s", len(ids), table.name, day, key)
    return deleted


def archive_days_before(*, before: date) -> list[date]:
    """The days before ``before`` that still have rows in any archived table, oldest first."""
    days = set()
    for table in TABLES[1:]:  # events follow their messages
        first = table.model.objects.filter(**{f"{table.day_field}__lt": day_bounds(before)[0]}) \
            .order_by(table.day_field).values_list(table.day_field, flat=True).first()
        if first:
            day = timezone.localdate(first)
            days.update(day + timedelta(days=i) for i in range((before - day).days))
    return sorted(days)


def messages_archive(*, before: date, store=None) -> dict[str, int]:
    """Archive every day before ``before``; totals per table."""
    store = store or archive_store()
    totals: dict[str, int] = {}
    for day in archive_days_before(before=before):
        for name, n in archive_day(day=day, store=store).items():
            totals[name] = totals.get(name, 0) + n
    return totals


def history_archive_run(*, now: datetime | None = None) -> dict[str, int]:
    """The daily schedule's task: archive what is older than MESSAGE_RETENTION_DAYS (0: keep all)."""
    days = settings.MESSAGE_RETENTION_DAYS
    if not days:
        return {}
    return messages_archive(before=timezone.localdate(now or timezone.now()) - timedelta(days=days))


def archive_restore(*, day: date, store=None) -> dict[str, int]:
    """Load one archived day back; rows still (or again) in the database are left as they are."""
    store = store or archive_store()
    restored = {}
    for table in [TABLES[1], TABLES[0], TABLES[2], TABLES[3]]:  # messages before their events
        rows = _decode(store.get(_key(table, day)))
        fields = {f.attname for f in table.model._meta.concrete_fields}
        objs = [table.model(**{k: v for k, v in row.items() if k in fields}) for row in rows.values()]
        with transaction.atomic():
            existing = set(table.model.objects.filter(pk__in=list(rows)).values_list("pk", flat=True))
            for obj in objs:
                for field in table.model._meta.concrete_fields:
                    value = getattr(obj, field.attname)
                    if value is not None and not isinstance(value, (dict, list)):
                        setattr(obj, field.attname, field.to_python(value))
            table.model.objects.bulk_create([o for o in objs if o.pk not in existing], batch_size=500)
        restored[table.name] = len(objs) - len(existing)
    return restored
