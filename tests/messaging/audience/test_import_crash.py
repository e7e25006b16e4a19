"""A large import survives its worker: a real qcluster is SIGKILLed mid-import, then restarted.

CONTRACT.md "Large imports": an import whose worker dies is taken up again once a worker runs,
and finishes with every row imported once.
"""

from __future__ import annotations

import os
import time

import pytest

from messaging.models import Contact, ImportRun, ImportStatus
from tests.support.qcluster import KillableCluster, database_url
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.qcluster, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 40_000


def _file() -> bytes:
    lines = ["name,phone,email,tags"]
    lines += [f"Worker {i},+1206{i:07d},w{i}@example.com,crew;site-{i % 7}" for i in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def _run(run_id: int) -> ImportRun:
    return ImportRun.objects.get(pk=run_id)


def test_a_worker_killed_mid_import_is_taken_up_again_and_every_row_is_imported_once(api, settings):
    settings.TASKS_EAGER = False  # the request only stores and queues; the qcluster imports
    Contact.objects.bulk_create([Contact(name="Before", phone=f"+1206{i:07d}") for i in range(0, ROWS, 10)])
    r = api.generic("POST", "/api/v1/contacts/import/", _file(), content_type="text/csv")
    assert r.status_code == 202
    run_id = r.json()["import"]

    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "portal.settings",
           "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "SNS_AUTO_CONFIRM": "false",
           "LOG_LEVEL": "WARNING", "Q_WORKERS": "1"}
    env.pop("TEST_DATABASE_NAME", None)
    cluster = KillableCluster(env)
    cluster.start()
    try:
        wait_for(lambda: _run(run_id).done >= 3000, timeout=90, interval=0.02)
        cluster.kill()
        killed = _run(run_id)
        assert killed.status == ImportStatus.RUNNING and 0 < killed.done < ROWS, "the kill must land mid-import"

        cluster.start(startup=0)
        restarted = time.monotonic()
        wait_for(lambda: _run(run_id).status in (ImportStatus.DONE, ImportStatus.FAILED), timeout=120, interval=0.2)
        print(f"killed at {killed.done:,} rows written; finished {time.monotonic() - restarted:.1f} s after "
              "the restart")
    finally:
        cluster.stop()
    run = _run(run_id)
    assert run.status == ImportStatus.DONE, (run.error, cluster.output()[-2000:])
    assert (run.total, run.done, run.created, run.updated) == (ROWS, ROWS, ROWS - ROWS // 10, ROWS // 10)
    assert Contact.objects.count() == ROWS
    assert Contact.objects.filter(name__startswith="Worker").count() == ROWS
    response = api.get(f"/api/v1/imports/{run_id}/").json()
    assert (response["status"], response["done_rows"], response["rows"]) == ("done", ROWS, ROWS)
