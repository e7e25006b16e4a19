"""Routing an alert to a policy by its labels, with Alertmanager's matcher syntax.

A matcher is ``label=value``, ``label!=value``, ``label=~regex`` or ``label!~regex``; a regex
must match the whole value (Alertmanager anchors them too), and a missing label is the empty
string. A route matches when all its matchers do; the first matching route wins, else the
integration's default policy. The parsing is pure so the admin form and the intake agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incidents.models import AlertIntegration, EscalationPolicy

_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str
    value: str

    def matches(self, labels: dict) -> bool:
        actual = str(labels.get(self.label, ""))
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op == "=~" else not found


def matchers_parse(text: str) -> list[Matcher]:
    """The matchers in ``text``; ValueError naming the first bad one."""
    out = []
    for part in [p for p in (text or "").split(",") if p.strip()]:
        match = _MATCHER.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not label=value, label!=value, label=~regex or label!~regex.")
        label, op, value = match.groups()
        value = value.strip('"')
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"{part.strip()!r}: bad regular expression ({exc}).") from None
        out.append(Matcher(label, op, value))
    if not out:
        raise ValueError("Give at least one matcher, e.g. severity=critical.")
    return out


def integration_policy(*, integration: AlertIntegration, labels: dict) -> EscalationPolicy:
    """The policy the first matching route names, else the integration's default."""
    for route in integration.routes.select_related("policy").order_by("position", "id"):
        try:
            matchers = matchers_parse(route.matchers)
        except ValueError:
            continue  # the admin refuses these; a row written otherwise never matches
        if all(m.matches(labels) for m in matchers):
            return route.policy
    return integration.default_policy
