"""The review's "headers" finding, replayed without a browser: every kind of response carries the
Content-Security-Policy (pages, API JSON, errors, static files), each page its own nonce, and in a
deployment the API docs and schema need a login while a local run keeps them open.
tests/browser/test_content_security_policy.py proves the pages still work under the policy."""

from __future__ import annotations

import re

import pytest

from tests.portal.test_settings_deploy import PRODUCTION, _setting

pytestmark = pytest.mark.django_db
CSP = "Content-Security-Policy"


def _policy(response) -> dict[str, str]:
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in response[CSP].split(";"))


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/api/v1/contacts/", "/api/docs/", "/api/schema/",
                                  "/healthz", "/no-such-page/", "/static/admin/css/base.css", "/simulator/"])
def test_every_kind_of_response_carries_the_policy(client, path):
    response = client.get(path)
    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["script-src"].startswith("'self' 'nonce-")
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"


def test_each_page_gets_a_fresh_nonce_and_its_inline_scripts_carry_it(admin_client):
    first, second = admin_client.get("/admin/report/"), admin_client.get("/admin/report/")
    nonce = re.search(r"'nonce-([^']+)'", first[CSP]).group(1)
    assert nonce != re.search(r"'nonce-([^']+)'", second[CSP]).group(1)
    html = first.content.decode()
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    assert not re.search(r"\son[a-z]+=\"", html)  # no onchange= and friends: they would need 'unsafe-inline'


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/", "/api/docs/?script="])
def test_in_a_deployment_the_api_docs_need_a_login(client, django_user_model, settings, path):
    settings.API_DOCS_LOGIN_REQUIRED = True
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(django_user_model.objects.create_user("reader", password="pw-12345-abc", is_staff=True))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
def test_a_local_run_keeps_the_api_docs_open(client, settings, path):
    settings.API_DOCS_LOGIN_REQUIRED = False
    assert client.get(path).status_code == 200


def test_a_deployment_defaults_to_docs_behind_a_login():
    assert _setting("settings.API_DOCS_LOGIN_REQUIRED", **PRODUCTION) == "True"
    assert _setting("settings.API_DOCS_LOGIN_REQUIRED") == "False"  # a local run


def test_the_api_docs_style_carries_the_nonce_of_its_own_response(client):
    response = client.get("/api/docs/")
    nonce = re.search(r"'nonce-([^']+)'", response[CSP]).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()
