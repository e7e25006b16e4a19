from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = "On call"
    # The modules other apps may import (tests/test_doors.py).
    doors = ("oncall.models", "oncall.selectors", "oncall.services", "oncall.rotation", "oncall.texts")
