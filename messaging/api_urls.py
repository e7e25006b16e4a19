"""Old path, kept for a release: the code is in ``messaging.api.urls``."""

from messaging.api.urls import urlpatterns

__all__ = ["urlpatterns"]
