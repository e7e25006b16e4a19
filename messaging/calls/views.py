"""``POST /connect/events/``: Amazon EventBridge API-destination deliveries of Amazon Connect
contact events (messaging.calls.connect).

404 while ``CONNECT_EVENTS_TOKEN`` is empty (the endpoint does not exist); 401 without the
connection's header ``Authorization: Bearer <CONNECT_EVENTS_TOKEN>`` (compared in constant
time); 400 for a body that is not a JSON event object with an ``id``. The event is stored
before it is acted on; a redelivery (same id) acts once. 200 for any well-formed event, one
about a contact we never placed included, so EventBridge stops retrying it; 503 when Connect
itself could not be asked, so EventBridge delivers it again (it retries for up to 24 hours).
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.calls.connect import connect_event_process, connect_event_store
from messaging.models import NotificationStatus
from messaging.values.storable import unstorable

BODY_MAX = 256 * 1024  # EventBridge's own event size limit


def _authorised(request) -> bool:
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.CONNECT_EVENTS_TOKEN}"
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


@csrf_exempt  # EventBridge sends no CSRF token; the bearer token authenticates it
@require_POST
def connect_events_endpoint(request):
    if not settings.CONNECT_EVENTS_TOKEN:
        raise Http404("Amazon Connect events are off (CONNECT_EVENTS_TOKEN is empty).")
    if not _authorised(request):
        return JsonResponse({"detail": "Authorization: Bearer <CONNECT_EVENTS_TOKEN> is required."}, status=401)
    if len(request.body) > BODY_MAX:
        return JsonResponse({"detail": f"At most {BODY_MAX} bytes."}, status=400)
    try:
        event = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"].strip():
        return JsonResponse({"detail": "Send an EventBridge event: a JSON object with an id."}, status=400)
    if unstorable(event):
        return JsonResponse({"detail": "The event holds a character no database stores (NUL)."}, status=400)
    stored, created = connect_event_store(event=event)
    row = connect_event_process(stored=stored)
    if row.status == NotificationStatus.FAILED:
        return JsonResponse({"id": row.event_id, "status": row.status, "detail": row.error}, status=503)
    return JsonResponse({"id": row.event_id, "status": row.status, "outcome": row.outcome,
                         "duplicate": not created})
