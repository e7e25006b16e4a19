"""Placeholders in a message (``Hi {name}``): checked before anything is sent, filled per person.

Python's own ``str.format`` grammar, so ``{{`` writes a literal brace. Only plain names are
allowed: an attribute or index (``{name.__class__}``, ``{x[0]}``) or a format spec could read
more than the value it names, and a message reaches every recipient. The one dotted form is
``{ext.<name>}``: a value a bulk send's enrichment URL answered (``messaging.audience.enrichment``),
looked up by its whole name, never as an attribute.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError

_FORMATTER = string.Formatter()
EXT_PREFIX = "ext."


def _is_ext(field: str) -> bool:
    return field.startswith(EXT_PREFIX) and field[len(EXT_PREFIX):].isidentifier()


class _WholeNames(string.Formatter):
    """Looks ``{ext.balance}`` up as the key "ext.balance"; an answer without it leaves it empty."""

    def get_field(self, field_name, args, kwargs):
        return kwargs.get(field_name, "") if _is_ext(field_name) else kwargs[field_name], field_name


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``, in order, or ValidationError when it is malformed."""
    try:
        parsed = list(_FORMATTER.parse(text or ""))
    except ValueError as exc:
        raise ValidationError(f"The message has a stray brace ({exc}); write {{{{ or }}}} for a literal one.",
                              code="bad_placeholder") from exc
    names = []
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not (field.isidentifier() or _is_ext(field)) or spec or conversion:
            raise ValidationError(f"{{{field}}} is not a placeholder: use a plain name such as {{name}}.",
                                  code="bad_placeholder")
        names.append(field)
    return names


def placeholders_validate(text: str, *, allowed: list[str] | tuple[str, ...]) -> list[str]:
    """The names ``text`` uses, or ValidationError naming each one that is not in ``allowed``."""
    names = placeholders_in(text)
    unknown = sorted({n for n in names if n not in allowed})
    if unknown:
        raise ValidationError(
            f"Unknown placeholder(s): {', '.join('{' + n + '}' for n in unknown)}. "
            f"Available: {', '.join('{' + n + '}' for n in allowed) or 'none'}.", code="unknown_placeholder")
    return names


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each placeholder replaced by its value (validated first by the caller)."""
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    # str.format_map would read {ext.x} as an attribute; the slower Formatter only where needed.
    return _WholeNames().vformat(text, (), values) if "{" + EXT_PREFIX in text else text.format_map(values)
