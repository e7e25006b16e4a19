"""Contacts from a CSV file: every line checked first, then all written in one transaction.

One rule for every way a file comes in (the API, an S3 drop, the admin): line 1 is the header,
any bad line fails the whole file with its line number and field, and nothing is half-imported.
The phone decides create or update. Writes are bulk INSERTs and UPDATEs in chunks, so a file
of 100,000 rows is a few hundred statements rather than a few hundred thousand
(``bench/import.py`` measures it).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from messaging.audience.number_types import NUMBERS_LOOKUP_TASK, number_type_offline
from messaging.models import Contact, Tag
from messaging.phones import phone_normalize_national
from messaging.scheduling.queue import enqueue_with

COLUMNS = ("name", "phone", "email", "whatsapp", "tags")
# What the columns hold, read from them so that a wider or narrower column moves the check too.
NAME_MAX = Contact._meta.get_field("name").max_length
EMAIL_MAX = Contact._meta.get_field("email").max_length
TAG_MAX = Tag._meta.get_field("name").max_length
REQUIRED = ("name", "phone")
CHUNK = 2000  # rows per statement: under SQLite's variable limit, few round trips on PostgreSQL


@dataclass(frozen=True)
class LineError:
    line: int
    field: str | None
    error: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "error": self.error}


class ImportInvalid(Exception):
    """The file cannot be imported; ``errors`` names every bad line and field."""

    def __init__(self, errors: list[LineError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class ContactRow:
    line: int
    name: str
    phone: str
    email: str | None
    whatsapp: str | None
    tags: list[str] | None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    contact_ids: list[int] = field(default_factory=list)


def csv_text(data: bytes) -> str:
    """The file as text: UTF-8 (a spreadsheet's BOM allowed), else ImportInvalid at the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportInvalid([LineError(line, None, "The file is not UTF-8 text; save it as CSV UTF-8.")]) from None


def csv_records(text: str):
    """(line number, fields) for each non-empty record; the number is where the record starts."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for record in reader:
            if record and any(v.strip() for v in record):
                yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportInvalid([LineError(reader.line_num, None, f"Not readable as CSV: {exc}")]) from None


def csv_header(record: list[str], *, known: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    """The header's column names, lower-cased; ImportInvalid (line 1) for a missing or doubled one."""
    names = [h.strip().lower() for h in record]
    errors = [LineError(1, c, f"The header has no '{c}' column.") for c in required if c not in names]
    errors += [LineError(1, c, f"The column '{c}' appears twice.") for c in known if names.count(c) > 1]
    if errors:
        raise ImportInvalid(errors)
    return names


def _phone(value: str, region: str | None) -> str:
    return phone_normalize_national(value, region=region)


def contact_rows_parse(data: bytes, *, region: str | None = None) -> tuple[list[ContactRow], set[str]]:
    """Every row of a contacts CSV, checked; ImportInvalid with every bad line. Returns the rows
    and the optional columns the header has (absent ones are left alone on update)."""
    records = csv_records(csv_text(data))
    first = next(records, None)
    if first is None:
        raise ImportInvalid([LineError(1, None, "The file is empty; line 1 must be the header (name,phone,…).")])
    names = csv_header(first[1], known=COLUMNS, required=REQUIRED)
    present = {c for c in COLUMNS if c in names}
    rows, errors, seen = [], [], {}
    for line, record in records:
        if len(record) > len(names):
            errors.append(LineError(line, None, f"{len(record)} fields; the header has {len(names)}."))
            continue
        values = {n: (record[i].strip() if i < len(record) else "") for i, n in enumerate(names)}
        row, row_errors = _row(line, values, present, region)
        if row is not None:
            if row.phone in seen:
                row_errors.append(LineError(line, "phone", f"The same phone as line {seen[row.phone]}."))
            seen.setdefault(row.phone, line)
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(row)
    if errors:
        raise ImportInvalid(errors)
    return rows, present


def _row(line: int, values: dict, present: set[str], region: str | None):
    errors = []

    def check(name, fn):
        try:
            return fn(values.get(name, ""))
        except ValidationError as exc:
            errors.append(LineError(line, name, " ".join(exc.messages)))
            return None

    def text(limit):
        def fn(value):
            if "\x00" in value:
                raise ValidationError("Null characters are not allowed.")
            if len(value) > limit:
                raise ValidationError(f"At most {limit} characters; this has {len(value)}.")
            return value
        return fn

    def required_name(value):
        if not value:
            raise ValidationError("A name is required.")
        return text(NAME_MAX)(value)

    def email(value):
        if value:
            text(EMAIL_MAX)(value)
            validate_email(value)
        return value.lower()

    def whatsapp(value):
        return _phone(value, region) if value else ""

    def tags(value):
        found = [t.strip() for t in value.split(";") if t.strip()]
        for t in found:
            text(TAG_MAX)(t)
        return found

    name = check("name", required_name)
    phone = check("phone", lambda v: _phone(v, region))
    row = ContactRow(
        line=line, name=name, phone=phone,
        email=check("email", email) if "email" in present else None,
        whatsapp=check("whatsapp", whatsapp) if "whatsapp" in present else None,
        tags=check("tags", tags) if "tags" in present else None,
    )
    return (None if phone is None else row), errors


def contacts_import(*, data: bytes, region: str | None = None) -> ImportResult:
    """Import a contacts CSV whole or not at all. ImportInvalid names every bad line."""
    rows, present = contact_rows_parse(data, region=region)
    return contacts_apply(rows=rows, present=present)


@transaction.atomic
def contacts_apply(*, rows: list[ContactRow], present: set[str], progress=None) -> ImportResult:
    """Write checked rows: create the new phones, update the known ones, set tags where given.

    ``progress(done)`` is called after each chunk (the admin's progress row)."""
    now = timezone.now()
    result = ImportResult()
    tag_ids = _tags_ensure({t for r in rows if r.tags for t in r.tags}) if "tags" in present else {}
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        known = dict(Contact.objects.filter(phone__in=[r.phone for r in chunk]).values_list("phone", "pk"))
        new = [Contact(name=r.name, phone=r.phone, email=r.email or "", whatsapp=r.whatsapp or "",
                       number_type=number_type_offline(r.phone), created_at=now, updated_at=now)
               for r in chunk if r.phone not in known]
        created = Contact.objects.bulk_create(new, batch_size=CHUNK)
        ids = {c.phone: c.pk for c in created} | known
        updates = [r for r in chunk if r.phone in known]
        if updates:
            _update(updates, known, present, now)
        if "tags" in present:
            through = Contact.tags.through
            through.objects.filter(contact_id__in=list(known.values())).delete()
            through.objects.bulk_create(
                [through(contact_id=ids[r.phone], tag_id=tag_ids[t]) for r in chunk for t in set(r.tags or [])],
                batch_size=CHUNK)
        result.created += len(created)
        result.updated += len(updates)
        result.contact_ids.extend(c.pk for c in created)
        if progress:
            progress(i + len(chunk))
    if settings.NUMBER_LOOKUP == "aws" and result.contact_ids:
        enqueue_with(NUMBERS_LOOKUP_TASK, contact_ids=result.contact_ids)
    return result


def _update(rows: list[ContactRow], known: dict[str, int], present: set[str], now) -> None:
    contacts = []
    for r in rows:
        c = Contact(pk=known[r.phone], phone=r.phone, name=r.name, updated_at=now)
        c.email = r.email or ""
        c.whatsapp = r.whatsapp or ""
        contacts.append(c)
    fields = ["name", "updated_at"] + (["email"] if "email" in present else [])
    Contact.objects.bulk_update(contacts, fields, batch_size=CHUNK)
    # A blank WhatsApp cell keeps the number on file (as contact_upsert does).
    with_whatsapp = [c for c, r in zip(contacts, rows, strict=True) if r.whatsapp]
    if with_whatsapp:
        Contact.objects.bulk_update(with_whatsapp, ["whatsapp"], batch_size=CHUNK)


def _tags_ensure(names: set[str]) -> dict[str, int]:
    Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True, batch_size=CHUNK)
    return dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
