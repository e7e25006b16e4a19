"""Fixtures the bulk-send tests share: the API as a client posts, and the clock moved on."""

from __future__ import annotations

import pytest

from messaging.scheduling.timers import timers_fire_due


@pytest.fixture
def post(api, django_capture_on_commit_callbacks):
    """POST as a client would; what the request queues runs after its commit, as on a worker."""
    def _post(url, data, expect=201):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(url, data, format="json")
        assert response.status_code == expect, response.content
        return response.json()
    return _post


@pytest.fixture
def fire(django_capture_on_commit_callbacks):
    """Let the clock reach ``at``: every timer due by then fires, and the sends it queues run."""
    def _fire(at):
        with django_capture_on_commit_callbacks(execute=True):
            return timers_fire_due(now=at)
    return _fire
