"""Contacts from a CSV file: every line checked first, then written.

One rule for every way a file comes in (the API, an S3 drop, the admin): line 1 is the header,
any bad line fails the whole file with its line number and field, and nothing is imported then.
A small file is written in one transaction here; a large one streams through the same check and
is written in committed batches on a worker (``messaging.audience.import_runs``), which a
rerun resumes: the phone decides create or update, so a row written twice is written once.
Writes are bulk INSERTs and UPDATEs in chunks, so a file of 100,000 rows is a few hundred
statements rather than a few hundred thousand (``bench/import.py`` measures it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from messaging.audience.csv_stream import (
    ErrorList,
    ImportInvalid,
    LineError,
    csv_bytes_records,
    csv_header,
    record_values,
)
from messaging.audience.number_types import NUMBERS_LOOKUP_TASK, number_type_offline
from messaging.models import Contact, Tag
from messaging.phones import phone_normalize_national
from messaging.scheduling.queue import enqueue_with
from messaging.values.locales import locale_normalize

COLUMNS = ("name", "phone", "email", "whatsapp", "tags", "locale")
# What the columns hold, read from them so that a wider or narrower column moves the check too.
NAME_MAX = Contact._meta.get_field("name").max_length
EMAIL_MAX = Contact._meta.get_field("email").max_length
TAG_MAX = Tag._meta.get_field("name").max_length
REQUIRED = ("name", "phone")
CHUNK = 2000  # rows per statement: under SQLite's variable limit, few round trips on PostgreSQL


@dataclass
class ContactRow:
    line: int
    name: str
    phone: str
    email: str | None
    whatsapp: str | None
    tags: list[str] | None
    locale: str | None = None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    contact_ids: list[int] = field(default_factory=list)


def contacts_header(records) -> list[str]:
    """The column names from a contacts file's first record; ImportInvalid when it has none."""
    first = next(records, None)
    if first is None:
        raise ImportInvalid([LineError(1, None, "The file is empty; line 1 must be the header (name,phone,…).")])
    return csv_header(first[1], known=COLUMNS, required=REQUIRED)


class ContactsFile:
    """The checked rows of a contacts file, one at a time, after its header (``names``).

    ``rows()`` yields each good row and, once the file is read, raises ImportInvalid if any line
    was bad (the first ones kept, all counted), so memory holds no more than the phones seen:
    two lines with the same phone are refused, as the second would silently overwrite the first.
    """

    def __init__(self, names: list[str], records, *, region: str | None = None, duplicates: bool = True):
        self.names, self.records, self.region = names, records, region
        self.present = {c for c in COLUMNS if c in names}
        self.errors = ErrorList()
        self.seen: dict[str, int] | None = {} if duplicates else None

    def rows(self):
        for line, record in self.records:
            if len(record) > len(self.names):
                self.errors.add([LineError(line, None, f"{len(record)} fields; the header has {len(self.names)}.")])
                continue
            row, row_errors = _row(line, record_values(self.names, record), self.present, self.region)
            if row is not None and self.seen is not None:
                if row.phone in self.seen:
                    row_errors.append(LineError(line, "phone", f"The same phone as line {self.seen[row.phone]}."))
                self.seen.setdefault(row.phone, line)
            if row_errors:
                self.errors.add(row_errors)
            elif not self.errors.count:
                yield row  # once a line is bad the file is refused: stop handing out rows
        self.errors.raise_if_any()


def _phone(value: str, region: str | None) -> str:
    return phone_normalize_national(value, region=region)


def contact_rows_parse(data: bytes, *, region: str | None = None) -> tuple[list[ContactRow], set[str]]:
    """Every row of a small contacts CSV, checked; ImportInvalid with the bad lines. Returns the
    rows and the optional columns the header has (absent ones are left alone on update)."""
    records = csv_bytes_records(data)
    file = ContactsFile(contacts_header(records), records, region=region)
    return list(file.rows()), file.present


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

    def locale(value):
        return locale_normalize(value)

    name = check("name", required_name)
    phone = check("phone", lambda v: _phone(v, region))
    row = ContactRow(
        line=line, name=name, phone=phone,
        email=check("email", email) if "email" in present else None,
        whatsapp=check("whatsapp", whatsapp) if "whatsapp" in present else None,
        tags=check("tags", tags) if "tags" in present else None,
        locale=check("locale", locale) if "locale" in present else None,
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
                       locale=r.locale or "", number_type=number_type_offline(r.phone), created_at=now, updated_at=now)
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
        c.locale = r.locale or ""
        contacts.append(c)
    fields = (["name", "updated_at"] + (["email"] if "email" in present else [])
              + (["locale"] if "locale" in present else []))
    Contact.objects.bulk_update(contacts, fields, batch_size=CHUNK)
    # A blank WhatsApp cell keeps the number on file (as contact_upsert does).
    with_whatsapp = [c for c, r in zip(contacts, rows, strict=True) if r.whatsapp]
    if with_whatsapp:
        Contact.objects.bulk_update(with_whatsapp, ["whatsapp"], batch_size=CHUNK)


def _tags_ensure(names: set[str]) -> dict[str, int]:
    Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True, batch_size=CHUNK)
    return dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
