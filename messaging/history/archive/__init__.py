"""Retention: old message-log rows go to gzipped JSON Lines files, then out of the database, and
``restore_archive`` brings a day back whole.

Files live in S3 (``ARCHIVE_S3_BUCKET``) or a local folder (``ARCHIVE_DIR``), under
``ARCHIVE_S3_PREFIX``. What is archived, and how the rows that point at it keep their pointers,
is read from the models (``plan``); batches that can stop anywhere (``archiving``); the way
back (``restoring``); the files (``store``).
"""

from messaging.history.archive.archiving import (
    ARCHIVE_RUN_SECONDS,
    archive_before,
    archive_days_before,
    batch_archive,
    history_archive_run,
    messages_archive,
)
from messaging.history.archive.plan import ArchivePlanError, archive_plan, relations_to_archived
from messaging.history.archive.restoring import archive_restore
from messaging.history.archive.store import ArchiveCheckFailed, LocalStore, S3Store, archive_store

__all__ = [
    "ARCHIVE_RUN_SECONDS",
    "ArchiveCheckFailed",
    "ArchivePlanError",
    "LocalStore",
    "S3Store",
    "archive_before",
    "archive_days_before",
    "archive_plan",
    "archive_restore",
    "archive_store",
    "batch_archive",
    "history_archive_run",
    "messages_archive",
    "relations_to_archived",
]
