"""An API key's "last used" is kept to the minute, without a write on every request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.api.keys import api_key_authenticate, api_key_create
from messaging.models import ApiKey

pytestmark = pytest.mark.django_db


def test_last_used_is_written_on_first_use_and_then_at_most_once_a_minute():
    key, raw = api_key_create(name="monitor")
    assert api_key_authenticate(raw=raw).pk == key.pk
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)

    api_key_authenticate(raw=raw)
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first

    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    api_key_authenticate(raw=raw)
    assert ApiKey.objects.get(pk=key.pk).last_used_at > first - timedelta(minutes=1)
