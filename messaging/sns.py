"""Old path, kept for a release: SNS verification is messaging.inbound.sns_verify (+ sns_envelope, sns_storage)."""
from messaging.inbound.sns_envelope import *  # noqa: F401,F403
from messaging.inbound.sns_storage import *  # noqa: F401,F403
from messaging.inbound.sns_verify import *  # noqa: F401,F403
