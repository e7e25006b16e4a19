"""What every section shares: the change log, the error list with paths, the lookups.

A section is a small object with ``key`` (its place in the file), ``item_schema`` (JSON Schema
of one entry), ``export(ctx)``, ``check(items, ctx)`` (errors beyond the schema: references,
duplicates, zones) and ``apply(items, ctx)``; ``prune(items, ctx)`` deletes what the file no
longer holds. The lead adds a kind by adding a section to SECTIONS (sections/__init__.py).
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError

from messaging.audience.number_types import NUMBERS_LOOKUP_TASK, number_type_offline
from messaging.models import Contact
from messaging.phones import phone_normalize
from messaging.scheduling.queue import enqueue_with

PHONE_PATTERN = r"^\+[1-9][0-9]{1,14}$"
PHONE = {"type": "string", "pattern": PHONE_PATTERN}
NAME = {"type": "string", "minLength": 1, "maxLength": 200}
TIME = {"type": "string", "minLength": 10, "description": "ISO 8601 with a time zone, e.g. 2026-03-02T09:00:00-05:00"}
# A secret is never written in the file: a section that needs one names it, and the portal reads
# it from its environment (secret_value below).
SECRET_REF = {"type": "object", "additionalProperties": False, "required": ["secret"],
              "properties": {"secret": {"type": "string", "pattern": r"^[A-Z][A-Z0-9_]*$"}}}


class ConfigInvalid(ValueError):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


@dataclass
class Change:
    action: str  # create, update, delete
    kind: str
    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action} {self.kind} {self.name!r}" + (f": {self.detail}" if self.detail else "")


@dataclass
class Context:
    now: datetime
    prune: bool = False
    changes: list[Change] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # What the file holds, by section key, so a section can check another's names.
    document: dict = field(default_factory=dict)
    _contacts: dict[str, Contact] | None = None

    def change(self, action: str, kind: str, name: str, detail: str = "") -> None:
        self.changes.append(Change(action, kind, name, detail))

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def contacts(self, phones, names: dict[str, tuple[str, str]] | None = None) -> dict[str, Contact]:
        """The contacts for ``phones``; one a phone has not yet is made, named by ``names`` (name,
        email) or else by its number, in one INSERT."""
        if self._contacts is None:
            self._contacts = {}
        wanted = {p for p in phones if p not in self._contacts}
        if wanted:
            for c in Contact.objects.filter(phone__in=wanted):
                self._contacts[c.phone] = c
            missing = sorted(wanted - set(self._contacts))
            if missing:
                names = names or {}
                made = contacts_bulk_create([(p, *names.get(p, (p, ""))) for p in missing])
                for c in made:
                    self._contacts[c.phone] = c
                    self.change("create", "contact", c.phone, c.name if c.name != c.phone else "")
        return {p: self._contacts[p] for p in phones}


def contacts_bulk_create(rows: list[tuple[str, str, str]]) -> list[Contact]:
    """(phone, name, email) rows as new contacts, typed as contact_get_or_create types one, in
    one INSERT; under NUMBER_LOOKUP=aws their lookup is queued as messaging queues it."""
    made = Contact.objects.bulk_create(Contact(phone=p, name=n, email=e, number_type=number_type_offline(p))
                                       for p, n, e in rows)
    if made and settings.NUMBER_LOOKUP == "aws":
        made = list(Contact.objects.filter(phone__in=[c.phone for c in made]))  # SQLite returns no ids
        enqueue_with(NUMBERS_LOOKUP_TASK, contact_ids=[c.pk for c in made])
    return made


@functools.lru_cache(maxsize=100_000)
def _phone_problem(value: str) -> str | None:
    try:
        return None if phone_normalize(value) == value else f"{value!r} is not in E.164 form"
    except ValidationError as exc:
        return " ".join(exc.messages)


def check_phone(ctx: Context, path: str, value: str) -> None:
    if (problem := _phone_problem(value)) is not None:
        ctx.error(path, problem)


def check_zone(ctx: Context, path: str, value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        ctx.error(path, f"{value!r} is not an IANA time zone")


def parse_time(ctx: Context, path: str, value: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        ctx.error(path, f"{value!r} is not an ISO 8601 time")
        return None
    if at.tzinfo is None:
        ctx.error(path, f"{value!r} has no time zone (add Z or an offset)")
        return None
    return at


def duplicates(ctx: Context, key: str, items: list[dict], field_name: str = "name") -> None:
    seen: dict = {}
    for i, item in enumerate(items):
        value = item.get(field_name)
        if value in seen:
            ctx.error(f"{key}[{i}].{field_name}", f"{value!r} is already {key}[{seen[value]}]")
        seen.setdefault(value, i)


def secret_value(ref: dict) -> str:
    """The value of a ``{"secret": NAME}`` reference, from the environment: never from the file."""
    import os

    return os.environ.get(ref["secret"], "")
