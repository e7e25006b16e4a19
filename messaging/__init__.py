"""Messaging: contacts, sending and receiving on every channel, consent, and the history.

Old module paths that rows may still hold resolve through ``messaging.legacy_paths``, a leaf
whose finder is installed here so that it is in place before any stored path is imported.
"""

from messaging import legacy_paths

legacy_paths.install()
