"""A deployment with an empty SNS_TOPIC_ARNS is an error of ``check --deploy`` and is logged at
every start-up; a local run is left alone. Run as real ``manage.py`` processes, as operators do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import checks

ROOT = Path(__file__).resolve().parents[3]
KEY = "k3#pL9$vQ2@mZ7&wR4!tY8^zB1*cF6%hJ5(dG0)sA-eU" * 2
DEPLOYMENT = {"DEBUG": "false", "ALLOWED_HOSTS": "portal.example.com", "SECRET_KEY": KEY}
TOPIC = "arn:aws:sns:us-east-1:123456789012:portal-events"


def manage(*args, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SNS_TOPIC_ARNS", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_a_deployment_without_topics_fails_check_deploy_and_says_what_to_set():
    r = manage("check", "--deploy", **DEPLOYMENT)
    assert r.returncode != 0
    assert "portal.E001" in r.stderr
    assert "SNS_TOPIC_ARNS" in r.stderr and "arn:aws:sns:" in r.stderr  # the hint shows the shape


def test_a_deployment_without_topics_logs_an_error_at_start_up():
    r = manage("check", **DEPLOYMENT)  # plain check: only start-up runs, the deploy checks do not
    assert r.returncode == 0, r.stderr
    errors = [line for line in r.stderr.splitlines() if " ERROR portal.apps " in line]
    assert len(errors) == 1 and "SNS_TOPIC_ARNS is empty" in errors[0]


def test_listing_the_topics_clears_both():
    r = manage("check", "--deploy", SNS_TOPIC_ARNS=TOPIC, **DEPLOYMENT)
    assert "portal.E001" not in r.stdout + r.stderr
    assert "SNS_TOPIC_ARNS" not in r.stderr


def test_a_local_run_may_leave_the_list_empty():
    r = manage("check", "--deploy")
    assert "portal.E001" not in r.stdout + r.stderr
    assert " ERROR portal.apps " not in r.stderr


@pytest.mark.parametrize("deployed, topics, expected", [
    (True, [], ["portal.E001"]), (True, [TOPIC], []), (True, " , ", ["portal.E001"]), (False, [], []),
])
def test_the_check_reads_deployed_and_the_list(settings, deployed, topics, expected):
    settings.DEPLOYED, settings.SNS_TOPIC_ARNS = deployed, topics
    assert [e.id for e in checks.sns_topics_check(None)] == expected
