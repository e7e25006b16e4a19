"""Placeholders in a message (``Hi {name}``): checked before anything is sent, filled per person.

Python's own ``str.format`` grammar, so ``{{`` writes a literal brace. Only plain names are
allowed: an attribute or index (``{name.__class__}``, ``{x[0]}``) or a format spec could read
more than the value it names, and a message reaches every recipient.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError

_FORMATTER = string.Formatter()


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
        if not field.isidentifier() or spec or conversion:
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
    return text.format_map({k: "" if v is None else str(v) for k, v in values.items()})
