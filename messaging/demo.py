"""Old path of the whole demo, kept for a release: the code is in ``portal.demo``."""

from portal.demo import demo_seed

__all__ = ["demo_seed"]
