"""The vendor fixtures (fixtures/*.json): each holds ``file`` (what ``--file`` reads: request
path → the vendor's answer, built from the vendor's documented examples) and the vendor's own
"who is on call" answers, which the tests compare the portal with."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from messaging.models import Contact
from oncall.models import Schedule
from portal.models import ImportedObject

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(vendor: str) -> dict:
    return json.loads((FIXTURES / f"{vendor}.json").read_text(encoding="utf-8"))


def write_file(tmp_path, vendor: str, body: dict | None = None) -> Path:
    path = tmp_path / f"{vendor}-source.json"
    path.write_text(json.dumps(body if body is not None else fixture(vendor)["file"]), encoding="utf-8")
    return path


def run_import(vendor: str, path, *args) -> str:
    out = StringIO()
    call_command("import_from", vendor, "--file", str(path), *args, stdout=out)
    return out.getvalue()


def imported(source: str, kind: str, source_id: str):
    row = ImportedObject.objects.get(source=source, kind=kind, source_id=source_id)
    return {"contact": Contact, "schedule": Schedule}[kind].objects.get(pk=row.object_id)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
