"""Old path, kept for a release: the /sns/ view is messaging.inbound.views."""
from messaging.inbound.views import noop_endpoint, sns_endpoint  # noqa: F401
