"""Large contact files (CONTRACT.md "Large imports"): 202 and a run on a worker, 413 over the
limit, the first 100 errors and a count, and a run that survives its worker.

The worker's task runs inline once the request commits (TASKS_EAGER); a killed worker is
played here by an exception that escapes the task mid-write, and by letting its lease lapse.
tests/messaging/audience/test_import_crash.py kills a real qcluster instead.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from messaging.api.keys import api_key_create
from messaging.audience import import_runs
from messaging.audience.import_runs import import_run_again, import_run_task, import_runs_sweep
from messaging.audience.receive import contacts_import_receive
from messaging.audience.uploads import UploadTooLarge
from messaging.models import Contact, ImportChunk, ImportRun, ImportStatus

pytestmark = pytest.mark.django_db


def people(n: int, start: int = 0, *, bad_every: int = 0) -> bytes:
    lines = ["name,phone,tags"]
    for i in range(start, start + n):
        phone = "not a phone" if bad_every and i % bad_every == 0 else f"+1206{i:07d}"
        lines.append(f"Person {i},{phone},crew-{i % 3}")
    return ("\n".join(lines) + "\n").encode()


def post(api, body: bytes, **extra):
    return api.generic("POST", "/api/v1/contacts/import/", body, content_type="text/csv", **extra)


@pytest.fixture
def small_sync(settings):
    settings.CONTACT_IMPORT_SYNC_ROWS = 10


def test_a_file_over_the_sync_rows_is_answered_202_then_imported_on_a_worker(api, small_sync,
                                                                            django_capture_on_commit_callbacks):
    Contact.objects.create(name="Old", phone="+12060000003")
    with django_capture_on_commit_callbacks(execute=True):
        r = post(api, people(2500))
    assert r.status_code == 202
    body = r.json()
    assert set(body) == {"import", "status"} and body["status"] == "queued"

    run = api.get(f"/api/v1/imports/{body['import']}/").json()
    assert {k: run[k] for k in ("status", "rows", "done_rows", "created", "updated", "errors", "error_count")} == {
        "status": "done", "rows": 2500, "done_rows": 2500, "created": 2499, "updated": 1, "errors": [],
        "error_count": 0}
    assert Contact.objects.count() == 2500
    assert Contact.objects.get(phone="+12060000003").name == "Person 3"
    assert sorted(Contact.objects.get(phone="+12060002499").tags.values_list("name", flat=True)) == ["crew-0"]
    assert not ImportChunk.objects.exists()  # the stored file is gone once imported


def test_a_file_at_the_sync_rows_is_still_imported_in_the_request(api, small_sync):
    r = post(api, people(10))
    assert r.status_code == 200 and r.json() == {"created": 10, "updated": 0}
    assert not ImportRun.objects.exists()


def test_a_bad_large_file_fails_whole_with_its_first_100_errors_and_their_count(api, small_sync,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = post(api, people(3000, bad_every=10))  # 300 bad lines, the first on line 2
    run = api.get(f"/api/v1/imports/{r.json()['import']}/").json()
    assert run["status"] == "failed" and run["error_count"] == 300 and len(run["errors"]) == 100
    assert run["errors"][0] == {"line": 2, "field": "phone", "error": run["errors"][0]["error"]}
    assert run["errors"][99]["line"] == 2 + 990
    assert run["done_rows"] == 0 and Contact.objects.count() == 0


def test_a_small_bad_file_answers_400_with_the_first_100_errors_and_their_count(api):
    r = post(api, people(1000, bad_every=4))
    assert r.status_code == 400
    assert r.json()["error_count"] == 250 and len(r.json()["errors"]) == 100
    assert [e["line"] for e in r.json()["errors"][:2]] == [2, 6]
    assert Contact.objects.count() == 0


def test_a_body_announced_over_the_limit_is_a_413_and_nothing_is_stored(api, settings):
    settings.CONTACT_IMPORT_MAX_BYTES = 10_000
    r = post(api, people(1000))
    assert r.status_code == 413 and r.json()["limit_bytes"] == 10_000
    assert not ImportRun.objects.exists() and not Contact.objects.exists()


def test_a_body_that_runs_past_the_limit_while_streaming_is_refused_and_leaves_nothing(settings):
    """A chunked body carries no length: the limit is counted as it arrives."""
    settings.CONTACT_IMPORT_SYNC_ROWS = 10
    settings.CONTACT_IMPORT_MAX_BYTES = 100_000
    data = people(5000)
    with pytest.raises(UploadTooLarge):
        contacts_import_receive(pieces=(data[i:i + 4096] for i in range(0, len(data), 4096)))
    assert not ImportRun.objects.exists() and not ImportChunk.objects.exists()


def test_an_import_is_read_only_with_the_contacts_scope(api, small_sync, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = post(api, people(20)).json()["import"]
    _, raw = api_key_create(name="log only", scopes=["log"])
    other = APIClient()
    other.credentials(HTTP_X_API_KEY=raw)
    assert other.get(f"/api/v1/imports/{run_id}/").status_code == 403
    assert api.get("/api/v1/imports/999999/").status_code == 404


class Killed(BaseException):
    """Plays a SIGKILL: nothing after it in the task runs, no handler catches it."""


def _die_on_batch(monkeypatch, n: int):
    real = import_runs.contacts_apply
    calls = {"n": 0}

    def apply(**kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(import_runs, "contacts_apply", apply)
    return calls


def _queued_run(settings, rows: int) -> ImportRun:
    settings.CONTACT_IMPORT_SYNC_ROWS = 10
    settings.TASKS_EAGER = False  # the request only queues; the "worker" below is this test
    return contacts_import_receive(pieces=[people(rows)])


def test_a_run_whose_worker_died_resumes_after_its_last_committed_batch_and_writes_each_row_once(
        settings, monkeypatch):
    run = _queued_run(settings, 4500)
    _die_on_batch(monkeypatch, 3)
    with pytest.raises(Killed):
        import_run_task(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.done, run.checked) == (ImportStatus.RUNNING, 2000, True)
    assert Contact.objects.count() == 2000  # two batches committed, the third rolled back

    monkeypatch.undo()
    assert import_run_task(run_id=run.pk) == "not-claimed"  # its lease has not lapsed yet
    ImportRun.objects.filter(pk=run.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert import_run_task(run_id=run.pk) == ImportStatus.DONE
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.created, run.updated, run.attempt) == (
        ImportStatus.DONE, 4500, 4500, 4500, 0, 2)
    assert Contact.objects.count() == 4500


def test_a_worker_that_lost_its_lease_writes_nothing_more(settings, monkeypatch):
    run = _queued_run(settings, 2500)
    real = import_runs.contacts_apply

    def stall_then_apply(**kwargs):
        # While this worker stalls, its lease lapses and another claim takes the run over.
        ImportRun.objects.filter(pk=run.pk).update(attempt=99)
        return real(**kwargs)

    monkeypatch.setattr(import_runs, "contacts_apply", stall_then_apply)
    assert import_run_task(run_id=run.pk) == "lease-lost"
    assert Contact.objects.count() == 1000  # the first batch, fenced before the second began


def test_the_sweep_takes_up_a_dead_workers_run_and_fails_one_that_keeps_dying(settings, monkeypatch,
                                                                               django_capture_on_commit_callbacks):
    run = _queued_run(settings, 1500)
    _die_on_batch(monkeypatch, 1)
    with pytest.raises(Killed):
        import_run_task(run_id=run.pk)
    monkeypatch.undo()
    settings.TASKS_EAGER = True
    assert import_runs_sweep() == 0  # the lease still holds: its worker may be alive
    later = timezone.now() + timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_runs_sweep(now=later) == 1
    run.refresh_from_db()
    assert (run.status, run.created) == (ImportStatus.DONE, 1500)

    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, attempt=5, lease_until=timezone.now())
    assert import_runs_sweep(now=later) == 0
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and "Stopped 5 times" in run.error


def test_a_failed_run_runs_again_from_its_stored_file(settings, monkeypatch, django_capture_on_commit_callbacks):
    run = _queued_run(settings, 1200)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.FAILED, error="Stopped 5 times", attempt=5)
    run.refresh_from_db()
    settings.TASKS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert import_run_again(run=run)
    run.refresh_from_db()
    assert (run.status, run.created, run.error) == (ImportStatus.DONE, 1200, "")
    assert not import_run_again(run=run)  # done: nothing to run again


def test_a_long_write_hands_its_worker_back_between_slices_and_still_writes_each_row_once(
        settings, monkeypatch, django_capture_on_commit_callbacks):
    run = _queued_run(settings, 2500)
    monkeypatch.setattr(import_runs, "IMPORT_SLICE_SECONDS", 0.0)  # every batch is a slice
    settings.TASKS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert import_run_task(run_id=run.pk) == "handed-back"
    run.refresh_from_db()
    assert (run.status, run.created, run.done, run.attempt) == (ImportStatus.DONE, 2500, 2500, 3)
    assert Contact.objects.count() == 2500


def test_an_unexpected_error_is_shown_on_the_run_and_the_sweep_resumes_it(settings, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    run = _queued_run(settings, 2500)
    real, calls = import_runs.contacts_apply, {"n": 0}

    def apply(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(import_runs, "contacts_apply", apply)
    with pytest.raises(RuntimeError):
        import_run_task(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.RUNNING and run.error == "Attempt 1 stopped: disk full" and run.done == 1000
    settings.TASKS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        assert import_runs_sweep(now=timezone.now() + timedelta(minutes=1)) == 1
    run.refresh_from_db()
    assert (run.status, run.created, run.done, run.error) == (ImportStatus.DONE, 2500, 2500, "")
    assert Contact.objects.count() == 2500
