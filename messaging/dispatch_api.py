"""Old path, kept for a release: the code is in ``messaging.omnichannel.api``."""

from messaging.omnichannel.api import DispatchCreateView, DispatchDetailView

__all__ = ["DispatchCreateView", "DispatchDetailView"]
