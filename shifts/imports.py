"""Adding shifts from a CSV, all rows or none, with errors named by the CSV line a person sees.

The row rules (codes, local times, zones, create-only) live in ``shifts.resources``, which the
admin's import-export page uses too; this module only runs them as one dry run and one import.
"""

from __future__ import annotations

from dataclasses import dataclass

import tablib
from django.db import transaction

from shifts.resources import ShiftResource


@dataclass
class ImportReport:
    created: int
    errors: list[tuple[int, str]]  # (CSV line number, message); line 1 is the header


def shifts_import_csv(*, text: str) -> ImportReport:
    """Add the shifts in a CSV (header: code,info[,starts_at,ends_at,time_zone,location]).

    All or nothing: every row is validated first (a dry run in a rolled-back transaction,
    which also catches a code repeated inside the file); any error imports no row at all.
    """
    dataset = tablib.Dataset().load(text, format="csv")
    resource = ShiftResource()
    dry = resource.import_data(dataset, dry_run=True, use_transactions=True)
    errors = import_result_errors(dry)
    if errors:
        return ImportReport(created=0, errors=errors)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    return ImportReport(created=result.totals["new"], errors=[])


def import_result_errors(result) -> list[tuple[int, str]]:
    """django-import-export numbers data rows from 1; people count CSV lines with the header as 1."""
    errors = [(0, str(e.error)) for e in result.base_errors]
    for number, row_errors in result.row_errors():
        errors += [(number + 1, str(e.error)) for e in row_errors]
    for row in result.invalid_rows:
        for field, messages in row.field_specific_errors.items():
            errors += [(row.number + 1, f"{field}: {m}") for m in messages]
        errors += [(row.number + 1, m) for m in row.non_field_specific_errors]
    return sorted(errors)
