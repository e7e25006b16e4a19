"""/api/docs/ runs only scripts the portal serves itself: no CDN, no "latest", and no inline
script (Swagger UI's start-up script comes from /api/docs/?script=, so the CSP needs no
'unsafe-inline')."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


STARTUP_SCRIPT = "/api/docs/?script="


def _references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def _static(refs: list[str]) -> list[str]:
    return [ref for ref in refs if ref != STARTUP_SCRIPT]


def test_the_docs_page_loads_swagger_ui_from_local_static_files(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    refs = _references(html)
    assert any(ref.endswith("swagger-ui-bundle.js") for ref in refs)
    assert STARTUP_SCRIPT in refs
    assert all(ref.startswith("/static/") for ref in _static(refs)), refs
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    # Nothing in the page or its start-up script points at another host.
    script = client.get(STARTUP_SCRIPT)
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    for text in (html, script.content.decode()):
        assert not re.search(r"https?://|//cdn|jsdelivr|unpkg|@latest", text)


def test_every_file_the_docs_page_references_is_served(client):
    refs = _static(_references(client.get("/api/docs/").content.decode()))
    for ref in refs:
        assert finders.find(ref.removeprefix("/static/")), ref
        r = client.get(ref)
        assert r.status_code == 200, ref
        assert b"".join(r.streaming_content if r.streaming else [r.content]), ref
