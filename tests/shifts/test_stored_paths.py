"""The dotted paths shifts keeps in rows still name callables: a Schedule made by a migration, a
campaign's Timer, and the handler recorded on every inbound SMS it answers."""

import importlib

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from shifts import services

EXPIRE_MIGRATION = importlib.import_module("shifts.migrations.0002_expire_schedule")


@pytest.mark.parametrize("path", [
    EXPIRE_MIGRATION.EXPIRE,  # django_q Schedule.func, every minute
    services.CAMPAIGN_SEND_DUE,  # messaging Timer.callback of a scheduled campaign
    *[h for h in settings.INBOUND_SMS_HANDLERS if h.startswith("shifts.")],  # InboundSms.handled_by
])
def test_every_stored_path_resolves_to_a_callable(path):
    assert callable(import_string(path))


def test_the_stored_paths_are_the_ones_rows_already_hold():
    assert EXPIRE_MIGRATION.EXPIRE == "shifts.services.shifts_expire"
    assert services.CAMPAIGN_SEND_DUE == "shifts.services.campaign_send_due"
    assert "shifts.inbound.shift_command_handler" in settings.INBOUND_SMS_HANDLERS
