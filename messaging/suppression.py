"""Old path, kept for a release: email suppression now lives in messaging.consent."""
from messaging.consent.aws_sync import LOCAL_REASONS, SES_REASONS, SyncResult, suppressions_sync  # noqa: F401
from messaging.consent.suppression import suppression_add, suppression_remove  # noqa: F401
