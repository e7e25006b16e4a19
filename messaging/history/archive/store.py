"""Where archive files go (an S3 bucket or a local folder), and their format: gzipped JSON Lines.

A file is written whole or not at all (S3's put, or a rename), and is never replaced with fewer
rows than it held: ``rows_merge`` writes the union of what is there and what is new, then reads
the file back, so what the caller deletes next is what the store returned, not what was meant.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Hashable
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder


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

    def versions_forget(self, key: str) -> int:
        """A folder keeps no older versions of a file: ``put`` replaced it."""
        return 0

    def keys(self, prefix: str) -> list[str]:
        """Every key under the folder ``prefix`` (ending in "/"), sorted."""
        folder = self.folder / prefix
        if not folder.is_dir():
            return []
        return sorted(prefix + p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith(".tmp"))


class S3Store:
    def __init__(self, bucket: str, prefix: str = ""):
        from messaging.transports.clients import aws_client  # boto3 only where the archive goes to S3

        self.bucket, self.prefix = bucket, prefix
        self.client = aws_client("s3")

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                               ContentType="application/x-ndjson", ContentEncoding="gzip")

    def versions_forget(self, key: str) -> int:
        """Delete every version of ``key`` but the newest (a versioned bucket keeps what ``put``
        replaced, so an erased row would live on in it); returns how many went."""
        gone = 0
        for page in self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket,
                                                                              Prefix=self.prefix + key):
            for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
                if version["Key"] == self.prefix + key and not version.get("IsLatest"):
                    self.client.delete_object(Bucket=self.bucket, Key=version["Key"], VersionId=version["VersionId"])
                    gone += 1
        return gone

    def keys(self, prefix: str) -> list[str]:
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self.prefix + prefix):
            found += [o["Key"][len(self.prefix):] for o in page.get("Contents", [])]
        return sorted(found)


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


def rows_decode(data: bytes | None) -> list[dict]:
    if not data:
        return []
    return [json.loads(line) for line in gzip.decompress(data).decode().splitlines() if line]


def lines_decode(data: bytes | None) -> list[str]:
    """A file's JSON lines, as stored."""
    return [line for line in gzip.decompress(data).decode().splitlines() if line] if data else []


def row_encode(row: dict) -> str:
    return json.dumps(row, cls=_Encoder, ensure_ascii=False)


def rows_encode(rows: list[dict]) -> bytes:
    return lines_encode([row_encode(row) for row in rows])


def lines_encode(lines: list[str]) -> bytes:
    # Level 6, not 9: as small within a few per cent, and several times faster to write.
    return gzip.compress("".join(line + "\n" for line in lines).encode(), compresslevel=6, mtime=0)


def rows_merge(store, key: str, lines: dict[Hashable, str], *, key_of: Callable[[dict], Hashable]) -> None:
    """Make the file at ``key`` hold ``lines`` (JSON rows, by key) as well as what it held, and
    check that it does: the file read back must be, byte for byte, the one written.

    Raises ArchiveCheckFailed when it is not.
    """
    old = store.get(key)
    merged = {key_of(json.loads(line)): line for line in gzip.decompress(old).decode().splitlines() if line} \
        if old else {}
    merged.update(lines)
    data = lines_encode([merged[k] for k in sorted(merged)])
    store.put(key, data)
    if store.get(key) != data:  # read back what was stored, not what was meant
        raise ArchiveCheckFailed(f"{key}: the file read back is not the one written")
