"""The SNS endpoint: verify, store, then act; answer 200, 400 or 403 as the contract says."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.notifications import notification_receive
from messaging.sns import SnsRejected, verify

log = logging.getLogger(__name__)


@csrf_exempt  # SNS cannot send a CSRF token; the message signature is what authenticates it.
@require_POST
def sns_endpoint(request):
    # Only the body counts: some senders omit the x-amz-sns-* headers and say text/plain.
    try:
        envelope = verify(request.body)
    except SnsRejected as exc:
        log.warning("SNS delivery refused (%s): %s", exc.status, exc.reason)
        return HttpResponse(exc.reason, status=exc.status, content_type="text/plain")
    notification, created = notification_receive(envelope=envelope)
    # 200 in every case after storage, failed processing included: SNS retrying would only
    # produce a redelivery that is (rightly) not processed again; the admin re-runs failures.
    body = "stored" if created else "duplicate"
    return HttpResponse(f"{body}: {notification.status}", status=200, content_type="text/plain")


def noop_endpoint(request):
    """The benchmark's baseline: the same stack with no work (mounted only by bench URLconf)."""
    return HttpResponse("ok", content_type="text/plain")
