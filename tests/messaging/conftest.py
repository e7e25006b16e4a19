"""Fixtures shared by the messaging tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run ``fn`` and then its after-commit work (sends, hooks), as a committed request would."""

    def _run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _run
