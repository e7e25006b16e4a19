"""The repository documents its own surface: what the README and docs/ say holds for a clone.

A new user found the README pointing at ../shared/CONTRACT.md, which a clone does not have, no
example body for POST messages/, and "the demo seeds four contacts" when it seeds 24."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from messaging.models import Contact
from portal.demo import demo_seed

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_no_document_points_outside_the_repository():
    for doc in DOCS:
        text = doc.read_text()
        assert "../shared" not in text and "CONTRACT.md" not in text, doc.name
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if not target.startswith(("http://", "https://", "mailto:")):
                assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


@pytest.mark.django_db
def test_the_readme_says_how_many_contacts_the_demo_seeds():
    demo_seed()
    [claimed] = re.findall(r"The demo seeds (\d+) contacts", (ROOT / "README.md").read_text())
    assert int(claimed) == Contact.objects.count()


def _api_paths(resolver: URLResolver, prefix: str = "") -> list[str]:
    paths = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            paths += _api_paths(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
            paths.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m[1] == "pk" else "{" + m[1] + "}",
                                route.removeprefix("api/v1/")))
    return paths


def test_every_api_endpoint_is_in_docs_api():
    doc = (ROOT / "docs" / "api.md").read_text()
    paths = _api_paths(get_resolver())
    assert len(paths) >= 20
    missing = [p for p in paths if f"`{p}" not in doc and f" {p}" not in doc]
    assert not missing, missing


@pytest.mark.django_db
def test_the_documented_post_messages_example_is_accepted(api):
    doc = (ROOT / "docs" / "api.md").read_text()
    body = json.loads(re.search(r"```json\n(.*?)```", doc, re.S)[1])
    r = api.post("/api/v1/messages/", body, format="json")
    assert r.status_code == 202, r.content
    assert r.json()["use_case"] == "fallback"
    readme = (ROOT / "README.md").read_text()
    inline = json.loads(re.search(r"-d '\n(.*?)'\n```", readme, re.S)[1])
    assert api.post("/api/v1/messages/", inline, format="json").status_code == 202
