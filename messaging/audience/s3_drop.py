"""Files dropped in S3: the seed's "S3 triggered" Lambdas, with the portal in the Lambda's place.

S3 publishes ObjectCreated to an SNS topic, which delivers to ``/sns/``; the notification is
stored like every other before this module looks at it. Only buckets on ``S3_IMPORT_BUCKETS``
are acted on: anyone who can publish to the topic (or configure a bucket to) must not be able
to make the portal fetch from a bucket of their choosing. The key's prefix says what the file
is (``contacts/``, ``allow-list/``, ``sends/``). Each object becomes an ``ImportRun`` and one django-q2 task
that fetches it with boto3 and imports it; the notification is processed once (its MessageId
is unique), and the run is claimed under a lease (``messaging.audience.import_runs``), so a
repeated task does nothing and a worker that dies is taken over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from messaging.audience.import_runs import import_run_queue, import_run_task
from messaging.events.aws import parse_s3_objects
from messaging.models import ImportKind, ImportRun, NotificationStatus, SnsNotification

SENDS = "sends"
PREFIXES = {"contacts/": ImportKind.CONTACTS, "allow-list/": ImportKind.ALLOW_LIST, "sends/": SENDS}


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
            import_run_queue(run)
    return NotificationStatus.PROCESSED, ""


def s3_import_run(*, run_id: int) -> str:
    """Task (the name queued S3 runs carry): the run's own task fetches the object (streamed into
    its stored file) under the run's lease, then imports it (``messaging.audience.import_runs``)."""
    return import_run_task(run_id=run_id)
