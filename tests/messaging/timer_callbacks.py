"""Callbacks the timer tests schedule; they leave a trace a test (or a worker) can see."""

from messaging.models import Tag


def record(*, name: str) -> None:
    Tag.objects.create(name=name)


def explode(*, name: str) -> None:
    Tag.objects.create(name=name)  # rolled back with the failure
    raise RuntimeError("callback failed on purpose")
