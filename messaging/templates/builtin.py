"""The portal's own texts as default templates: each app declares its wording here, in code.

An app lists its ``BuiltinTemplate``s in a module-level sequence named in
``settings.BUILTIN_TEMPLATES`` (as ``INBOUND_SMS_HANDLERS`` names handlers): the wording stays
beside the code that sends it, today's words are the default without any row, and a ``Template``
row with the same (reserved) name overrides any variant it has, in the admin or the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class BuiltinVariant:
    channel: str
    body: str
    locale: str = ""
    subject: str = ""


@dataclass(frozen=True)
class BuiltinTemplate:
    name: str  # reserved: "incident.page", "oncall.turn", …
    description: str
    placeholders: tuple[str, ...]  # what the sending code fills in
    variants: tuple[BuiltinVariant, ...] = field(default_factory=tuple)


@cache
def builtin_templates() -> dict[str, BuiltinTemplate]:
    """Every built-in template by name, from the modules ``settings.BUILTIN_TEMPLATES`` names."""
    found: dict[str, BuiltinTemplate] = {}
    for path in settings.BUILTIN_TEMPLATES:
        for builtin in import_string(path):
            found[builtin.name] = builtin
    return found
