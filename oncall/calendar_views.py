"""The calendar feed a calendar client subscribes to: no session, no key, the token is the credential."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from oncall.calendars import calendar_feed_get, feed_ical


@require_safe
def calendar_feed_view(request, token: str):
    feed = calendar_feed_get(token=token)
    if feed is None:  # unknown, revoked or regenerated: the same answer, so a guess learns nothing
        raise Http404
    response = HttpResponse(feed_ical(feed=feed), content_type="text/calendar; charset=utf-8")
    # A private link: no shared cache may keep it, and it is not worth a search engine's look.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = 'inline; filename="oncall.ics"'
    return response
