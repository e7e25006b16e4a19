"""POST/GET /api/v1/messages/: the omnichannel API's views; payloads in ``serializers``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.api.keys import api_key_sent_by
from messaging.models import ApiKey, ApiScope, Dispatch
from messaging.omnichannel.serializers import DispatchRequestSerializer, DispatchSerializer
from messaging.omnichannel.services import (
    IdempotencyConflict,
    dispatch_find_replay,
    dispatch_submit,
    dispatches_with_attempts,
    request_fingerprint,
)


def _load(pk: int, *, key: ApiKey) -> Dispatch:
    # Another key's dispatch is a 404, as if it did not exist, unless this key reads all messages.
    sent_by = api_key_sent_by(key=key)
    visible = dispatches_with_attempts()
    if sent_by is not None:
        visible = visible.filter(api_key=sent_by)
    return get_object_or_404(visible, pk=pk)


SEED_EXAMPLE = {
    "use_case": "fallback", "fallback_seconds": "30",
    "pc": {"channel": "sms", "sender": "+12065550100", "recipient": "+12065550123",
           "sms": {"message": "Your code is 1234", "message_type": "TRANSACTIONAL", "configuration_set": "cs"}},
    "fc": {"channel": "email", "sender": "noreply@example.com", "recipient": "user@example.com",
           "email": {"subject": "Your code", "text": "Your code is 1234", "html": "<p>Your code is 1234</p>"}},
}
IDEMPOTENCY_HEADER = "Idempotency-Key"


class DispatchCreateView(APIView):
    api_scope = ApiScope.MESSAGES

    @extend_schema(
        request=DispatchRequestSerializer,
        responses={202: DispatchSerializer, 422: OpenApiResponse(description=(
            "The Idempotency-Key was already used by this API key with a different body."))},
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False, description=(
            "Optional, up to 255 printable characters, scoped to the API key. A repeat with the same key and "
            "the same body returns the first dispatch and sends nothing new; the same key with another body "
            "is refused with 422."))],
        examples=[OpenApiExample("SMS, falling back to email after 30 s", value=SEED_EXAMPLE, request_only=True)],
        description="Send one message on a primary channel, with a fallback channel (`fallback`) or on both at "
                    "once (`broadcast`). Replies 202 with the dispatch; poll GET /api/v1/messages/{id}/.",
    )
    def post(self, request):
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(key) > 255:
            return Response({IDEMPOTENCY_HEADER: ["At most 255 characters."]}, status=status.HTTP_400_BAD_REQUEST)
        if not key.isprintable():
            return Response({IDEMPOTENCY_HEADER: ["Only printable characters are allowed."]},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            return self._post(request, key)
        except IdempotencyConflict as exc:
            return Response({IDEMPOTENCY_HEADER: [
                f"This key was already used by this API key with a different body (dispatch {exc.dispatch.pk}). "
                "Send the same body to get that dispatch again, or use a new key for a new message."]},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY)

    def _post(self, request, key: str) -> Response:
        api_key = request.auth
        fingerprint = request_fingerprint(payload=request.data) if key else ""
        if key:
            existing = dispatch_find_replay(api_key=api_key, idempotency_key=key, fingerprint=fingerprint)
            if existing:
                return self._reply(existing.pk, key=api_key, replayed=True)
        ser = DispatchRequestSerializer(data=request.data, context={"api_key": api_key})
        ser.is_valid(raise_exception=True)
        dispatch, created = dispatch_submit(api_key=api_key, idempotency_key=key, fingerprint=fingerprint,
                                            **ser.create_kwargs(request_payload=request.data))
        return self._reply(dispatch.pk, key=api_key, replayed=not created)

    @staticmethod
    def _reply(pk: int, *, key: ApiKey, replayed: bool) -> Response:
        response = Response(DispatchSerializer(_load(pk, key=key)).data, status=status.HTTP_202_ACCEPTED)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class DispatchDetailView(APIView):
    api_scope = ApiScope.LOG

    @extend_schema(responses={200: DispatchSerializer})
    def get(self, request, pk: int):
        return Response(DispatchSerializer(_load(pk, key=request.auth)).data)
