"""Start-up configuration: a deployment without a SECRET_KEY refuses to start; --deploy is clean."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
                                                             "DJANGO_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_production_without_secret_key_is_a_clear_startup_error():
    r = _manage("check", DEBUG="false", ALLOWED_HOSTS="portal.example.com")
    assert r.returncode != 0
    assert "SECRET_KEY is not set" in r.stderr


def test_check_deploy_is_clean_under_production_settings():
    r = _manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="false", ALLOWED_HOSTS="portal.example.com",
                SECRET_KEY="x7#kP2$vLq9@mN4&wR8!tY6^zB3*cF5%hJ1(dG0)sA-eU" * 2)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_local_run_needs_no_configuration():
    r = _manage("check")
    assert r.returncode == 0, r.stderr


def test_wildcard_hosts_run_locally_but_check_deploy_warns():
    r = _manage("check", "--deploy", DEBUG="false", ALLOWED_HOSTS="*")
    assert "portal.W001" in r.stdout + r.stderr
