"""Alertmanager's webhook body (version 4, also Grafana's webhook contact point) read as one alert.

Pure functions of the decoded body, so the shape is tested without a database. A group is the
problem: its ``groupKey`` is the dedup key, and Alertmanager re-sends the whole group on every
``repeat_interval`` and whenever an alert joins or resolves, which is why the body's overall
``status`` (not each alert's) decides firing or resolved.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.models import AlertStatus, Incident

MAX_DESCRIPTION = 2000
# A link longer than the incident's column is passed over rather than cut (a cut URL is a broken
# link); the body keeps it whole.
MAX_URL = Incident._meta.get_field("url").max_length
# Labels that every alert in a group shares say nothing new on each line.
_MAX_LISTED = 10


@dataclass(frozen=True)
class ParsedAlert:
    summary: str
    details: str
    url: str
    dedup_key: str
    status: str
    firing: int
    resolved: int
    severity: str = ""  # the ``severity`` label: critical or page make the incident high urgency


def _labels_text(labels: dict, skip: dict) -> str:
    pairs = [f"{k}={v}" for k, v in sorted(labels.items()) if skip.get(k) != v]
    return ", ".join(pairs)


def alertmanager_parse(body: dict) -> ParsedAlert:
    """The alert a valid body (see serializers.AlertmanagerSerializer) stands for."""
    alerts = body["alerts"]
    common_annotations = body.get("commonAnnotations") or {}
    common_labels = body.get("commonLabels") or {}
    firing = [a for a in alerts if (a.get("status") or body["status"]) == AlertStatus.FIRING]
    # A group of unrelated alerts (Grafana groups by folder) has no name of its own: say whose it is.
    only = (alerts[0].get("labels") or {}).get("alertname") if len(alerts) == 1 else None
    summary = (common_annotations.get("summary") or common_annotations.get("description")
               or common_labels.get("alertname") or only
               or f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''} from {body.get('receiver') or 'Alertmanager'}")
    lines = []
    for alert in firing[:_MAX_LISTED]:
        text = _labels_text(alert.get("labels") or {}, common_labels)
        if text:
            lines.append(f"- {text}")
    if len(firing) > _MAX_LISTED:
        lines.append(f"- and {len(firing) - _MAX_LISTED} more")
    details = "\n".join(lines)
    links = [a.get("generatorURL") for a in alerts] + [body.get("externalURL")]
    url = next((u for u in links if isinstance(u, str) and u and len(u) <= MAX_URL), "")
    severity = common_labels.get("severity") or next(
        ((a.get("labels") or {}).get("severity") for a in firing if (a.get("labels") or {}).get("severity")), "")
    return ParsedAlert(summary=str(summary), details=details, url=str(url), dedup_key=body["groupKey"],
                       status=body["status"], firing=len(firing), resolved=len(alerts) - len(firing),
                       severity=str(severity))


# Severity labels that page as high urgency whatever the policy says (Alertmanager's and Grafana's
# usual "critical", and the "page" some teams route on).
HIGH_SEVERITIES = ("critical", "page")


def alert_urgency(parsed: ParsedAlert) -> str | None:
    """``high`` for a critical or paging severity, else None: the policy's urgency."""
    return "high" if parsed.severity.strip().lower() in HIGH_SEVERITIES else None


def alert_description(*, summary: str, details: str) -> str:
    text = f"{summary}\n{details}".strip() if details else summary
    return text[:MAX_DESCRIPTION]
