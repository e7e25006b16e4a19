"""The README's examples of each vendor's file and of the setup file work as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from messaging.models import Contact
from oncall.models import Schedule
from tests.portal.setup_as_code.test_config import _apply
from tests.portal.setup_as_code.vendor_files import run_import

pytestmark = pytest.mark.django_db
README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Moving in, and the setup as code"):README.index("## Production")]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", SECTION, re.S)


@pytest.mark.parametrize(("index", "vendor", "schedule"), [(0, "pagerduty", "Primary"), (1, "opsgenie", "Ops"),
                                                          (2, "oncall", "Primary")])
def test_each_vendor_example_imports(tmp_path, index, vendor, schedule):
    Contact.objects.create(name="Alex", phone="+493012345601", email="alex@example.com")
    path = tmp_path / "example.json"
    path.write_text(_blocks("json")[index], encoding="utf-8")
    out = run_import(vendor, path)
    assert f"create schedule '{schedule}'" in out
    assert Schedule.objects.get(name=schedule).members.count() == 1


def test_the_setup_example_applies_and_applies_again_with_no_change(tmp_path):
    path = tmp_path / "setup.yaml"
    path.write_text(_blocks("yaml")[0], encoding="utf-8")
    assert "create policy 'Ops'" in _apply(path)
    assert _apply(path).strip() == "No changes."
