"""Signed links: a person's own preferences page, and the one-click unsubscribe of bulk email.

The token is the link's only credential (django.core.signing with its own salt, so no other
signed value of the portal opens it) and it expires after ``PREFERENCES_LINK_DAYS``. It names
the contact by id and, for unsubscribing, the topic and channel; nothing else is in it.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "messaging.topics.preferences"


class LinkInvalid(Exception):
    """A token that was tampered with, or has expired (``expired`` says which)."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _token(payload: dict) -> str:
    return signing.dumps(payload, salt=SALT, compress=True)


def link_read(token: str) -> dict:
    """The payload of a token made here, or LinkInvalid."""
    try:
        return signing.loads(token, salt=SALT, max_age=settings.PREFERENCES_LINK_DAYS * 86400)
    except signing.SignatureExpired as exc:
        raise LinkInvalid("This link has expired.", expired=True) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid("This link is not valid.") from exc


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def preferences_url(*, contact) -> str:
    """The person's own preferences page: what ``{preferences_url}`` fills in."""
    return _absolute(reverse("preferences", args=[_token({"c": contact.pk})]))


def unsubscribe_url(*, contact, topic, channel: str = "email") -> str:
    return _absolute(reverse("unsubscribe", args=[_token({"c": contact.pk, "t": topic.pk, "ch": channel})]))


def list_unsubscribe_headers(*, contact, topic) -> list[dict[str, str]]:
    """RFC 2369 and RFC 8058 headers for a bulk email about ``topic``: an https link that a
    one-click POST acts on at once, and a mailto fallback whose subject carries the same token.
    In the shape the email transport takes in ``options["headers"]`` (SES's ``Headers``)."""
    url = unsubscribe_url(contact=contact, topic=topic)
    links = [f"<{url}>"]
    if settings.UNSUBSCRIBE_MAILTO:
        token = url.rstrip("/").rsplit("/", 1)[-1]
        links.append(f"<mailto:{settings.UNSUBSCRIBE_MAILTO}?subject={quote('unsubscribe ' + token)}>")
    return [{"Name": "List-Unsubscribe", "Value": ", ".join(links)},
            {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}]
