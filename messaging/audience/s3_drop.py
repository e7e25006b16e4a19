"""Files dropped in S3: the seed's "S3 triggered" Lambdas, with the portal in the Lambda's place.

S3 publishes ObjectCreated to an SNS topic, which delivers to ``/sns/``; the notification is
stored like every other before this module looks at it. Only buckets on ``S3_IMPORT_BUCKETS``
are acted on: anyone who can publish to the topic (or configure a bucket to) must not be able
to make the portal fetch from a bucket of their choosing. The key's prefix says what the file
is (``contacts/``, ``allow-list/``, ``sends/``). Each object becomes an ``ImportRun`` and one django-q2 task
that fetches it with boto3 and imports it; the notification is processed once (its MessageId
is unique), and the run is claimed by a conditional UPDATE, so a repeated task does nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging.audience.bulk import bulk_send_check, bulk_send_start
from messaging.audience.imports import IMPORT_TASK_TIMEOUT, import_run_execute
from messaging.events.aws import parse_s3_objects
from messaging.models import BulkSendStatus, ImportKind, ImportRun, ImportStatus, NotificationStatus, SnsNotification
from messaging.scheduling.queue import enqueue_with

log = logging.getLogger(__name__)

S3_IMPORT_TASK = "messaging.tasks.s3_import_run"
SENDS = "sends"
PREFIXES = {"contacts/": ImportKind.CONTACTS, "allow-list/": ImportKind.ALLOW_LIST, "sends/": SENDS}
# A bulk send's message travels with its file, as S3 user metadata (x-amz-meta-message).
MESSAGE_METADATA = "message"


def s3_event_act(*, notification: SnsNotification, message: dict) -> tuple[str, str]:
    """Queue an import for each created object. Returns (notification status, note)."""
    objects = [(b, k) for event, b, k in parse_s3_objects(message) if event.startswith("ObjectCreated:")]
    if not objects:
        return NotificationStatus.IGNORED, "No ObjectCreated record (an S3 test event, or another event type)."
    refused = sorted({b for b, _ in objects if b not in settings.S3_IMPORT_BUCKETS})
    if refused:
        return NotificationStatus.REFUSED, (
            f"Refused: bucket {', '.join(refused)} is not on S3_IMPORT_BUCKETS; nothing was fetched.")
    kinds = []
    for bucket, key in objects:
        kind = next((k for prefix, k in PREFIXES.items() if key.startswith(prefix)), None)
        if kind is None:
            return NotificationStatus.REFUSED, (
                f"Refused: s3://{bucket}/{key} is under none of the prefixes {', '.join(PREFIXES)}; not fetched.")
        kinds.append(kind)
    with transaction.atomic():
        for (bucket, key), kind in zip(objects, kinds, strict=True):
            run = ImportRun.objects.create(kind=ImportKind.BULK_SEND if kind == SENDS else kind, source="s3", name=f"s3://{bucket}/{key}"[:1100],
                                           notification=notification,
                                           options={"bucket": bucket, "key": key})
            enqueue_with(S3_IMPORT_TASK, run_id=run.pk, task_timeout=IMPORT_TASK_TIMEOUT)
    return NotificationStatus.PROCESSED, ""


def s3_import_run(*, run_id: int, client=None) -> str:
    """Task: fetch the run's object and import it. Returns the run's final status."""
    if not ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING):
        return "not-queued"  # a repeat of a task that already ran
    run = ImportRun.objects.get(pk=run_id)
    try:
        if client is None:
            from messaging.transports.clients import aws_client  # boto3 only where AWS is asked

            client = aws_client("s3")
        answer = client.get_object(Bucket=run.options["bucket"], Key=run.options["key"])
        data = answer["Body"].read()
    except Exception as exc:  # the bucket or key is gone, or AWS refused: the run says why
        log.warning("S3 import %s: fetching %s failed: %s", run.pk, run.name, exc)
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.FAILED, error=f"Fetching failed: {exc}"[:5000],
                                                   finished_at=timezone.now())
        return ImportStatus.FAILED
    if run.kind == ImportKind.BULK_SEND:
        return _bulk_send(run, data, (answer.get("Metadata") or {}).get(MESSAGE_METADATA, ""))
    return import_run_execute(run=run, data=data)


def _bulk_send(run: ImportRun, data: bytes, template: str) -> str:
    """Check the file with the message it carries, then send it; the run records the outcome."""
    bulk = bulk_send_check(name=run.name, template=template, data=data, source="s3",
                           notification=run.notification)
    sent = bulk_send_start(bulk=bulk) if bulk.status == BulkSendStatus.CHECKED else 0
    status = ImportStatus.DONE if sent else ImportStatus.FAILED
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, created=sent, total=bulk.recipients, done=sent, errors=bulk.errors,
        error=bulk.error or (f"Bulk send #{bulk.pk}: no message (S3 metadata '{MESSAGE_METADATA}')"
                             if not template.strip() else ""),
        options={**run.options, "bulk_send": bulk.pk}, finished_at=timezone.now())
    return status
