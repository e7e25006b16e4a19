"""Alertmanager's and Grafana's documented bodies read as one alert each (no database)."""

from __future__ import annotations

from incidents.alerts.alertmanager import alert_description, alertmanager_parse
from tests.support.alerts import ALERTMANAGER_FIRING, GRAFANA_FIRING, grown, partly_resolved, resolved


def test_the_summary_annotation_names_the_problem_and_the_generator_url_is_the_link():
    parsed = alertmanager_parse(ALERTMANAGER_FIRING)
    assert parsed.summary == "BlackBox Probe Failure: https://server.example.org"
    assert parsed.url.startswith("http://prometheus.example.org:9090/graph?g0.expr=probe_success")
    assert parsed.dedup_key == ALERTMANAGER_FIRING["groupKey"]
    assert (parsed.status, parsed.firing, parsed.resolved) == ("firing", 1, 0)


def test_without_common_annotations_the_alertname_names_it_and_each_firing_alert_lists_its_own_labels():
    body = grown(ALERTMANAGER_FIRING, instance="https://backup.example.org")
    body["commonAnnotations"] = {}
    parsed = alertmanager_parse(body)
    assert parsed.summary == "ProbeFailure"
    assert parsed.details.splitlines() == ["- instance=https://server.example.org",
                                           "- instance=https://backup.example.org"]
    assert alert_description(summary=parsed.summary, details=parsed.details).startswith("ProbeFailure\n- instance=")


def test_grafanas_body_without_a_common_summary_lists_both_alerts_and_links_the_first_rule():
    parsed = alertmanager_parse(GRAFANA_FIRING)
    assert parsed.summary == "2 alerts from My Super Webhook"
    assert "alertname=High memory usage, zone=us-1" in parsed.details
    assert "alertname=High CPU usage, zone=eu-1" in parsed.details
    assert parsed.url == "https://play.grafana.org/alerting/1afz29v7z/edit"
    assert parsed.firing == 2


def test_a_partly_resolved_group_still_fires_with_fewer_alerts():
    parsed = alertmanager_parse(partly_resolved(GRAFANA_FIRING))
    assert (parsed.status, parsed.firing, parsed.resolved) == ("firing", 1, 1)
    assert "High memory usage" not in parsed.details


def test_a_resolved_group_is_resolved():
    parsed = alertmanager_parse(resolved(ALERTMANAGER_FIRING))
    assert (parsed.status, parsed.firing) == ("resolved", 0)
