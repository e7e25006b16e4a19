"""The SNS endpoint: verify, store, then act; answer 200, 400 or 403 as the contract says."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.inbound.notifications import sns_delivery_receive

log = logging.getLogger(__name__)

# What SNS is told when the database cannot take the delivery. SNS retries any 5xx with its
# delivery policy, so the notification arrives again once the database is back.
RETRY_AFTER_SECONDS = 20


@csrf_exempt  # SNS cannot send a CSRF token; the message signature is what authenticates it.
@require_POST
def sns_endpoint(request):
    # Only the body counts: some senders omit the x-amz-sns-* headers and say text/plain.
    try:
        status, text = sns_delivery_receive(body=request.body)
    except DatabaseError:
        # Never 200 here: nothing was stored, and only a 5xx makes SNS deliver it again.
        log.exception("SNS delivery not stored: the database failed; answering 503 so SNS retries")
        return HttpResponse("database unavailable; not stored, deliver again", status=503,
                            content_type="text/plain", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return HttpResponse(text, status=status, content_type="text/plain")


def noop_endpoint(request):
    """The benchmark's baseline: the same stack with no work (mounted only by bench URLconf)."""
    return HttpResponse("ok", content_type="text/plain")
