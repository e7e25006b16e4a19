"""Start-up configuration: a deployment without a SECRET_KEY refuses to start; --deploy is clean;
"*" is a deployment; the proxy's HTTPS header is trusted only when asked; the demo login is local only."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "x7#kP2$vLq9@mN4&wR8!tY6^zB3*cF5%hJ1(dG0)sA-eU" * 2
# A deployment lists the SNS topics it takes (portal.E001 otherwise).
PRODUCTION = {"DEBUG": "false", "ALLOWED_HOSTS": "portal.example.com", "SECRET_KEY": KEY,
              "SNS_TOPIC_ARNS": "arn:aws:sns:us-east-1:123456789012:portal-events"}


def _env(**env):
    base = {k: v for k, v in os.environ.items() if k not in (
        "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "SNS_TOPIC_ARNS", "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS")}
    return {**base, **env}


def _manage(*args, **env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(**env),
                          capture_output=True, text=True, timeout=60)


def _setting(expr: str, **env) -> str:
    r = _manage("shell", "--no-imports", "-c", f"from django.conf import settings; print({expr})", **env)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_production_without_secret_key_is_a_clear_startup_error():
    r = _manage("check", DEBUG="false", ALLOWED_HOSTS="portal.example.com")
    assert r.returncode != 0
    assert "SECRET_KEY is not set" in r.stderr


def test_check_deploy_is_clean_under_production_settings():
    r = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_check_deploy_is_clean_behind_a_proxy_that_sets_the_https_header():
    r = _manage("check", "--deploy", "--fail-level", "WARNING", SECURE_PROXY_SSL_HEADER="true", **PRODUCTION)
    assert r.returncode == 0, r.stdout + r.stderr


def test_local_run_needs_no_configuration():
    r = _manage("check")
    assert r.returncode == 0, r.stderr


def test_wildcard_hosts_are_a_deployment_and_need_a_secret_key():
    r = _manage("check", DEBUG="false", ALLOWED_HOSTS="*")
    assert r.returncode != 0
    assert "SECRET_KEY is not set" in r.stderr
    assert _setting("settings.DEPLOYED, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE",
                    DEBUG="false", ALLOWED_HOSTS="*", SECRET_KEY=KEY) == "True True True"
    # DEBUG on is never a deployment, with any hosts.
    assert _setting("settings.DEPLOYED", DEBUG="true", ALLOWED_HOSTS="*") == "False"


def test_wildcard_hosts_get_a_check_deploy_warning():
    r = _manage("check", "--deploy", DEBUG="false", ALLOWED_HOSTS="*", SECRET_KEY=KEY)
    assert "portal.W001" in r.stdout + r.stderr
    assert "any Host header" in r.stdout + r.stderr


def test_the_forwarded_proto_header_is_trusted_only_when_the_operator_says_so():
    assert _setting("settings.SECURE_PROXY_SSL_HEADER", **PRODUCTION) == "None"
    for value in ("true", "X-Forwarded-Proto", "HTTP_X_FORWARDED_PROTO"):
        assert _setting("settings.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER=value, **PRODUCTION) == \
            "('HTTP_X_FORWARDED_PROTO', 'https')", value
    assert _setting("settings.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="X-Forwarded-Protocol",
                    **PRODUCTION) == "('HTTP_X_FORWARDED_PROTOCOL', 'https')"
    r = _manage("check", SECURE_PROXY_SSL_HEADER="X-Proto: https", **PRODUCTION)
    assert r.returncode != 0 and "SECURE_PROXY_SSL_HEADER" in r.stderr


_CLIENT_CLAIMS_HTTPS = """
from django.test import Client
r = Client(HTTP_HOST="portal.example.com").get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(r.status_code, r.get("Location", ""))
"""


def test_a_client_that_claims_https_is_still_redirected_to_https():
    # Without a proxy, X-Forwarded-Proto comes from the client itself: plain HTTP stays plain.
    r = _manage("shell", "--no-imports", "-c", _CLIENT_CLAIMS_HTTPS, **PRODUCTION)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "301 https://portal.example.com/healthz"


def test_run_portal_refuses_to_create_the_demo_login_in_a_deployment(tmp_path):
    db = tmp_path / "deployed.sqlite3"
    r = _manage("run_portal", "--no-seed", DATABASE_URL=f"sqlite:///{db}", **PRODUCTION)
    assert r.returncode != 0
    assert "refuses to run in a deployment" in r.stderr and "portal-demo" in r.stderr
    assert not db.exists() or db.stat().st_size == 0  # it did not even migrate


def test_run_portal_locally_prints_the_demo_login(tmp_path):
    port = str(18000 + os.getpid() % 1000)
    proc = subprocess.Popen([sys.executable, "manage.py", "run_portal", "--no-seed", "--port", port], cwd=ROOT,
                            env=_env(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'local.sqlite3'}",
                                     Q_WORKERS="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "login:" in line:
                break
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert any("login:      admin / portal-demo" in line for line in lines), "".join(lines)
    assert any(f"simulator:  http://127.0.0.1:{port}/simulator/" in line for line in lines)
