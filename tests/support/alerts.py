"""Real alert bodies, pasted from their documentation, and small builders of their variants.

Alertmanager: the webhook body documented at
https://prometheus.io/docs/alerting/latest/configuration/#webhook_config (this example as in
the alertmanager-webhook-types crate's sample-v4-payload.json,
https://docs.rs/crate/alertmanager-webhook-types/latest/source/assets/sample-v4-payload.json).
Grafana: the webhook contact point's example body,
https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
Their startsAt are the documents' shapes at times relative to now (the portal never reads them,
but a date written down would still be a date that passes).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone


def _ago(minutes: float, *, offset_hours: int = 0) -> str:
    """An instant ``minutes`` ago in the documents' formats: Alertmanager's Z, Grafana's offset."""
    at = datetime.now(UTC) - timedelta(minutes=minutes)
    if offset_hours:
        return at.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


ALERTMANAGER_FIRING = {
    "receiver": "sms",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "ProbeFailure",
                "instance": "https://server.example.org",
                "job": "http_checks",
                "monitor": "master",
                "severity": "critical",
            },
            "annotations": {
                "description": "Instance https://server.example.org has been down for over 5m. Job: http_checks",
                "summary": "BlackBox Probe Failure: https://server.example.org",
            },
            "startsAt": _ago(10),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0\u0026g0.tab=1",
            "fingerprint": "1a30ba71cca2921f",
        }
    ],
    "groupLabels": {"alertname": "ProbeFailure"},
    "commonLabels": {
        "alertname": "ProbeFailure",
        "instance": "https://server.example.org",
        "job": "http_checks",
        "monitor": "master",
        "severity": "critical",
    },
    "commonAnnotations": {
        "description": "Instance https://server.example.org has been down for over 5m. Job: http_checks",
        "summary": "BlackBox Probe Failure: https://server.example.org",
    },
    "externalURL": "http://prometheus.example.org:9093",
    "version": "4",
    "groupKey": "{}/{severity=\"critical\"}:{alertname=\"ProbeFailure\"}",
    "truncatedAlerts": 0,
}

GRAFANA_FIRING = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": _ago(10, offset_hours=2),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": "firing",
            "labels": {"alertname": "High CPU usage", "team": "blue", "zone": "eu-1"},
            "annotations": {
                "description": "The system has high CPU usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone eu-1",
            },
            "startsAt": _ago(5, offset_hours=2),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing**\n\nLabels:\n - alertname = T2\n - team = blue\n - zone = us-1\n",
}


def grown(body: dict, *, instance: str) -> dict:
    """``body`` re-sent by Alertmanager after another alert joined the group (same groupKey)."""
    out = copy.deepcopy(body)
    extra = copy.deepcopy(out["alerts"][0])
    extra["labels"]["instance"] = instance
    extra["fingerprint"] = f"{extra['fingerprint']}-{instance}"
    out["alerts"].append(extra)
    out["commonLabels"].pop("instance", None)
    return out


def partly_resolved(body: dict) -> dict:
    """The group still firing, its first alert resolved (Alertmanager sets its endsAt)."""
    out = copy.deepcopy(body)
    out["alerts"][0]["status"] = "resolved"
    out["alerts"][0]["endsAt"] = out["alerts"][0]["startsAt"]
    return out


def resolved(body: dict) -> dict:
    """The whole group resolved: Alertmanager's last notification for it."""
    out = copy.deepcopy(body)
    out["status"] = "resolved"
    for alert in out["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = alert["startsAt"]
    return out
