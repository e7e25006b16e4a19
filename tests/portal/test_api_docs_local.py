"""/api/docs/ runs only scripts the portal serves itself: no CDN, no "latest"."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def _references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_the_docs_page_loads_swagger_ui_from_local_static_files(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    refs = _references(html)
    assert any(ref.endswith("swagger-ui-bundle.js") for ref in refs)
    assert refs and all(ref.startswith("/static/") for ref in refs), refs
    # Nothing in the page, inline script included, points at another host.
    assert not re.search(r"https?://|//cdn|jsdelivr|unpkg|@latest", html)


def test_every_file_the_docs_page_references_is_served(client):
    refs = _references(client.get("/api/docs/").content.decode())
    for ref in refs:
        assert finders.find(ref.removeprefix("/static/")), ref
        r = client.get(ref)
        assert r.status_code == 200, ref
        assert b"".join(r.streaming_content if r.streaming else [r.content]), ref
