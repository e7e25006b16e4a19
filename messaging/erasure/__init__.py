"""Erasing a person: every row and archive file that names them, and a keyed hash of what must hold.

``subject.py`` is the leaf other apps import (what is erased); ``keys.py`` the keyed hash that
keeps an opt-out or a suppression holding after the number or address itself is gone;
``services.py`` the erasure, which runs messaging's own tables (``tables.py``), every app's
eraser named in ``PERSONAL_DATA_ERASERS``, and then the archive files (``archive.py``).
"""
