"""Old path, kept for a release: the code is in ``messaging.api.auth`` and ``portal.api``."""

from messaging.api.auth import ApiKeyAuthentication, ApiKeyRateThrottle, ApiScopePermission, FailedAuthThrottle
from portal.api import exception_handler

__all__ = ["ApiKeyAuthentication", "ApiKeyRateThrottle", "ApiScopePermission", "FailedAuthThrottle",
           "exception_handler"]
