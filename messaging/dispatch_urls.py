"""Old path, kept for a release: the code is in ``messaging.omnichannel.urls``."""

from messaging.omnichannel.urls import urlpatterns

__all__ = ["urlpatterns"]
