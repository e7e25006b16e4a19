"""Validate, export and apply the whole file.

Validation is two passes, both before anything is written: the JSON Schema (every error, each
with its path in the file), then each section's own checks (references between sections, time
zones, phone numbers, duplicates). Applying runs every section in one transaction; a dry run
runs the very same writes and rolls them back, so its plan is exactly what a real run does.
"""

from __future__ import annotations

import functools
from datetime import datetime

import fastjsonschema
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from jsonschema import Draft202012Validator

from portal.setup_as_code.config.base import SECRET_REF, Change, ConfigInvalid, Context
from portal.setup_as_code.config.sections import SECTIONS, people
from portal.setup_as_code.config.yaml_io import yaml_dump, yaml_load

VERSION = 1


def config_schema() -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Portal setup (manage.py config apply)",
        "type": "object", "additionalProperties": False, "required": ["version"],
        "properties": {"version": {"const": VERSION},
                       **{s.KEY: {"type": "array", "items": s.item_schema} for s in SECTIONS}},
        "$defs": {"secret": SECRET_REF},
    }


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


@functools.cache
def _fast_check():
    # fastjsonschema compiles the schema to Python: a 1,000-schedule file passes in a tenth of
    # jsonschema's time. It stops at the first error, so a file that fails is read again by
    # jsonschema, which names every error by its path. The schema uses nothing beyond draft 7.
    schema = {k: v for k, v in config_schema().items() if k not in ("$schema", "$defs")}
    return fastjsonschema.compile(schema, use_default=False)


def config_validate(document, *, now: datetime, prune: bool = False) -> list[tuple[str, str]]:
    """Every problem in ``document``, as (path in the file, what is wrong)."""
    try:
        _fast_check()(document)
    except fastjsonschema.JsonSchemaException:
        validator = Draft202012Validator(config_schema())
        errors = sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        if errors:
            return [(_path(e.absolute_path), e.message) for e in errors]
    ctx = Context(now=now, prune=prune, document=document)
    for section in SECTIONS:
        if section.KEY in document:
            section.check(document[section.KEY], ctx)
    return ctx.errors


def config_load(text: str):
    try:
        return yaml_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise ConfigInvalid([(where, f"not YAML: {getattr(exc, 'problem', None) or exc}")]) from None


def config_apply(text: str, *, now: datetime, dry_run: bool = False, prune: bool = False) -> list[Change]:
    """Make the portal match the file; ConfigInvalid (nothing changed) when any part is wrong."""
    document = config_load(text)
    errors = config_validate(document, now=now, prune=prune)
    if errors:
        raise ConfigInvalid(errors)
    ctx = Context(now=now, prune=prune, document=document)
    try:
        with transaction.atomic():
            for section in SECTIONS:
                if section.KEY in document:
                    section.apply(document[section.KEY], ctx)
            if prune:  # only the sections the file holds: a file of schedules alone deletes no policy
                for section in reversed(SECTIONS):
                    if section.KEY in document:
                        section.prune(document[section.KEY], ctx)
            if ctx.errors:
                raise ConfigInvalid(ctx.errors)
            if dry_run:
                transaction.set_rollback(True)
    except ValidationError as exc:
        raise ConfigInvalid([("(apply)", "; ".join(exc.messages))]) from None
    return ctx.changes


def config_export(*, now: datetime) -> str:
    ctx = Context(now=now)
    document: dict = {"version": VERSION}
    body = {s.KEY: s.export(ctx) for s in SECTIONS if s is not people}
    phones = {p for item in body.get("schedules", []) for p in
              [*item["members"], *(o["phone"] for o in item.get("overrides", []))]}
    phones |= {p for item in body.get("policies", []) for lv in item["levels"] for p in lv["contacts"]}
    phones |= {item["final_contact"] for item in body.get("policies", []) if item.get("final_contact")}
    for section in SECTIONS:
        document[section.KEY] = people.export(ctx, phones) if section is people else body[section.KEY]
    header = (f"# Portal setup, exported {now.isoformat(timespec='seconds')}. Apply with: manage.py config apply FILE\n"
              "# Not in this file: secrets (heartbeats' ping URLs, API keys), nor data that is not setup\n"
              "# (who carries which tag, people's preferences, history).\n")
    return header + yaml_dump(document)
