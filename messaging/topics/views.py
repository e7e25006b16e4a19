"""The person's own preferences page and the one-click unsubscribe: no login, a signed link each.

The token in the URL is the only credential (messaging/topics/links.py), so these views are
exempt from CSRF: a forged form would need the token, and a mail provider's RFC 8058 one-click
POST carries no cookie or CSRF token at all. A bad or expired token is refused with 403 and a
page that says what to do; nothing is shown or changed.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from messaging.models import Contact, Topic
from messaging.topics.links import LinkInvalid, link_read
from messaging.topics.preferences import preference_set, preference_table, preferences_save


def _refused(request, exc: LinkInvalid) -> HttpResponse:
    return render(request, "preferences/refused.html", {"message": str(exc), "expired": exc.expired}, status=403)


def _contact(payload: dict) -> Contact | None:
    return Contact.objects.filter(pk=payload.get("c")).first()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def preferences_page(request, token: str):
    try:
        contact = _contact(link_read(token))
    except LinkInvalid as exc:
        return _refused(request, exc)
    if contact is None:
        return _refused(request, LinkInvalid("This link is not valid any more."))
    saved = False
    if request.method == "POST":
        preferences_save(contact=contact, checked=set(request.POST.getlist("allow")))
        saved = True
    return render(request, "preferences/page.html",
                  {"contact": contact, "rows": preference_table(contact), "saved": saved})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (a link scanner must not unsubscribe anyone); POST, one-click or the button,
    opts the person out of that topic on that channel at once."""
    try:
        payload = link_read(token)
    except LinkInvalid as exc:
        return _refused(request, exc)
    contact, topic = _contact(payload), Topic.objects.filter(pk=payload.get("t")).first()
    if contact is None or topic is None:
        return _refused(request, LinkInvalid("This link is not valid any more."))
    channel = payload.get("ch") or "email"
    done = request.method == "POST"
    if done:
        preference_set(contact=contact, topic=topic, channel=channel, allowed=False)
    return render(request, "preferences/unsubscribe.html",
                  {"contact": contact, "topic": topic, "channel": channel, "done": done, "token": token})
