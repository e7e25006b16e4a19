"""``X-Api-Key`` authentication for /api/v1/, and the API's error shape."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from messaging.api_keys import api_key_authenticate


class ApiKeyAuthentication(BaseAuthentication):
    header = "HTTP_X_API_KEY"

    def authenticate(self, request):
        raw = request.META.get(self.header, "").strip()
        if not raw:
            return None  # -> 401 from IsAuthenticated, with the header below
        key = api_key_authenticate(raw=raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return key, key

    def authenticate_header(self, request):
        # Having a challenge makes DRF answer 401 rather than 403 to a missing or bad key.
        return 'ApiKey header="X-Api-Key"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "messaging.api_auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services as 400 naming their fields."""
    from rest_framework.views import exception_handler as drf_exception_handler  # DRF imports us

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
