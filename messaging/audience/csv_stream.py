"""CSV files read as a stream: records with their line numbers, and where each one ends.

Every import (contacts, the allow-list, bulk sends; from the API, the admin or S3) reads its
file through here, so a file of any size is read a line at a time and memory does not grow
with it. Each record comes with the byte offset just after it, so a worker that dies can
resume exactly after the last batch it committed. One rule for every file: UTF-8 (a
spreadsheet's BOM allowed), line 1 is the header, and an error names the line and the field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import BinaryIO

# Errors kept and shown for a refused file; ``count`` still counts every one. A million bad lines
# once made a 144 MB error body.
ERRORS_KEPT = 100
# A physical line longer than this is refused rather than read whole: csv's own field limit is
# 128 KiB, so no good line comes near it.
MAX_LINE_BYTES = 1024 * 1024
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LineError:
    line: int
    field: str | None
    error: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "error": self.error}


class ImportInvalid(Exception):
    """The file cannot be imported: ``errors`` holds the first ``ERRORS_KEPT`` bad lines and
    fields, ``count`` how many there were in all."""

    def __init__(self, errors: list[LineError], count: int | None = None):
        self.count = len(errors) if count is None else count
        super().__init__(f"{self.count} error(s)")
        self.errors = errors[:ERRORS_KEPT]

    def as_body(self) -> dict:
        """The API's 400 body: the first errors and how many there were."""
        return {"errors": [e.as_dict() for e in self.errors], "error_count": self.count}


class ErrorList:
    """Collects a file's errors as a check streams through it: the first few kept, all counted."""

    def __init__(self):
        self.kept: list[LineError] = []
        self.count = 0

    def add(self, errors: list[LineError]) -> None:
        self.count += len(errors)
        self.kept.extend(errors[:max(0, ERRORS_KEPT - len(self.kept))])

    def raise_if_any(self) -> None:
        if self.count:
            raise ImportInvalid(self.kept, self.count)


class CsvStream:
    """The records of a CSV byte stream, read a line at a time.

    ``offset`` and ``line`` are where reading starts (a resumed run passes the end of its last
    committed batch) and, after each record is yielded, where that record ends.
    """

    def __init__(self, raw: BinaryIO, *, offset: int = 0, line: int = 1):
        self.raw, self.offset, self.line = raw, offset, line

    def _lines(self):
        while True:
            chunk = self.raw.readline(MAX_LINE_BYTES + 1)
            if not chunk:
                return
            if len(chunk) > MAX_LINE_BYTES:
                raise ImportInvalid([LineError(self.line, None, f"Line longer than {MAX_LINE_BYTES:,} bytes.")])
            text = chunk[len(BOM):] if self.offset == 0 and chunk.startswith(BOM) else chunk
            try:
                decoded = text.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportInvalid([LineError(self.line, None, "The file is not UTF-8 text; save it as CSV UTF-8.")]) \
                    from None
            self.offset += len(chunk)
            self.line += 1
            yield decoded

    def records(self):
        """(line number, fields) for each non-empty record; the number is where it starts.

        csv.reader pulls lines only as it needs them, so when a record is yielded ``offset`` and
        ``line`` stand just after it."""
        reader = csv.reader(self._lines())
        start = self.line
        try:
            for record in reader:
                if record and any(v.strip() for v in record):
                    yield start, record
                start = self.line
        except csv.Error as exc:
            raise ImportInvalid([LineError(self.line - 1, None, f"Not readable as CSV: {exc}")]) from None


def csv_bytes_records(data: bytes):
    """``CsvStream.records`` of a file already in memory (a small upload)."""
    return CsvStream(io.BytesIO(data)).records()


def csv_header(record: list[str], *, known: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    """The header's column names, lower-cased; ImportInvalid (line 1) for a missing or doubled one."""
    names = [h.strip().lower() for h in record]
    errors = [LineError(1, c, f"The header has no '{c}' column.") for c in required if c not in names]
    errors += [LineError(1, c, f"The column '{c}' appears twice.") for c in known if names.count(c) > 1]
    if errors:
        raise ImportInvalid(errors)
    return names


def record_values(names: list[str], record: list[str]) -> dict[str, str]:
    """The record's fields by column name, stripped; missing trailing fields are empty."""
    return {n: (record[i].strip() if i < len(record) else "") for i, n in enumerate(names)}
