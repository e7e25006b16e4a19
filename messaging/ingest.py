"""Old path, kept for a release: the PostgreSQL fast path is messaging.inbound.ingest_pg."""
from messaging.inbound.ingest_pg import event_notification_receive, fast_path_applies  # noqa: F401
