"""The API's JSON parser: whatever the body, a clear 400 and never a 500.

DRF's own JSONParser already refuses NaN and Infinity and malformed JSON, but lets through what
fails later, deep in the view or the database:

- nesting deep enough for a RecursionError (``[`` * 100000) in the decoder, or later in
  ``json.dumps`` when a JSONField is saved; bodies nested more than ``MAX_DEPTH`` are refused;
- NUL characters (PostgreSQL's text and jsonb cannot hold them) and lone surrogates (not
  encodable as UTF-8) anywhere, in keys too; the error names the field where they were found.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from rest_framework import exceptions, renderers
from rest_framework.parsers import BaseParser

MAX_DEPTH = 32


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "Null characters are not allowed."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Unpaired surrogate characters are not allowed."
    return None


def _printable_key(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace").replace("\x00", "\\u0000")


def _check(data) -> None:
    """Raise ValidationError at the first bad string, nested like the body; ParseError if too deep."""
    stack = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise exceptions.ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (problem := text_problem(key)):
                    _fail(path + (_printable_key(key),), problem)
                stack.append((item, path + (key if isinstance(key, str) else str(key),), depth + 1))
        elif isinstance(value, str) and (problem := text_problem(value)):
            _fail(path, problem)


def _fail(path: tuple, problem: str):
    detail: dict | list = [problem]
    for key in reversed(path):
        detail = {key: detail}
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail}
    raise exceptions.ValidationError(detail)


class StrictJSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        # JSON is UTF-8 (RFC 8259); json.loads detects UTF-16/32 from the bytes themselves, so a
        # charset parameter, which could name any codec Python knows, is not consulted.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise exceptions.ParseError(f"JSON parse error - the body is larger than {limit} bytes.")
        try:
            data = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float,
                              parse_int=_bounded_int)
        except RecursionError:
            raise exceptions.ParseError(
                f"JSON parse error - nested more than {MAX_DEPTH} levels deep.") from None
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, and the hooks below
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        _check(data)
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as inf, which no column or jsonb can hold
        raise ValueError(f"the number {text[:40]} is out of range.")
    return value


def _bounded_int(text: str) -> int:
    # Python refuses more than 4300 digits itself (ValueError); anything past 64 bits fits no
    # column and is refused here rather than as an OverflowError later.
    value = int(text)
    if not -(2 ** 63) <= value < 2 ** 63:
        raise ValueError(f"the number {text[:40]}{'…' if len(text) > 40 else ''} is out of range.")
    return value
