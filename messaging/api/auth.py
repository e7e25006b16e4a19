"""API-key authentication, scopes and throttles for /api/v1/ (the error shape is portal/api.py).

A key arrives as ``X-Api-Key: <key>`` or ``Authorization: Bearer <key>`` (what Alertmanager and
Grafana send). Each view names the scope it needs in ``api_scope`` (``ApiScope``); a view that
names none is open only to keys holding every scope, so a new endpoint is never open by mistake.

Throttles (rates in settings ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``):

- ``api_key``: requests per key, for every authenticated request.
- ``api_failed_auth``: requests per client address that carry a bad key or none. Once an address
  has used them up, every request from it that carries a key is refused with 429 before the
  key is looked at, so a guessed key cannot be confirmed by a different answer.

The counters live in Django's default cache. That is a per-process local-memory cache unless
``CACHES`` says otherwise, so with several web processes each counts on its own: a limit of N
lets through at most N per process. That is enough against a runaway client or a key-guessing
loop; a shared cache (database, Redis) makes the limits exact.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from messaging.api.client_ip import client_ip
from messaging.api.keys import api_key_authenticate, api_key_has_scope
from messaging.api.scopes import api_scope_names
from messaging.models import ApiKey


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_ident(self, request):
        # The one reading of the client address (TRUSTED_PROXY_COUNT), shared with the admin
        # login lockout, so the two never disagree about who a client is.
        return client_ip(request)

    def get_rate(self):
        # Read at each request, not once at import as DRF does, so that a changed setting
        # (a test, a reload) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class FailedAuthThrottle(_SettingsRateThrottle):
    """Counts requests with a bad or missing key per client address."""

    scope = "api_failed_auth"

    def get_cache_key(self, request, view):
        # With TRUSTED_PROXY_COUNT 0, X-Forwarded-For is ignored, so a client cannot pick a
        # fresh address per request.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def exhausted(self, request) -> bool:
        """Whether this address has no failures left, without counting this request."""
        if self.rate is None:
            return False
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def refuse_if_exhausted(self, request) -> None:
        if self.exhausted(request):
            raise exceptions.Throttled(wait=self.wait(), detail=(
                "Too many requests with a bad API key from this address; try again later."))

    def count_failure(self, request) -> None:
        if self.rate is not None:
            self.throttle_success()  # records this request in the history read by exhausted()


class ApiKeyRateThrottle(_SettingsRateThrottle):
    """Requests per API key. Requests without a valid key are FailedAuthThrottle's business."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class ApiKeyAuthentication(BaseAuthentication):
    header = "HTTP_X_API_KEY"

    def authenticate(self, request):
        raw = request.META.get(self.header, "").strip() or self._bearer(request)
        if not raw:
            return None  # -> 401 from ApiScopePermission: a missing key is no guess, never a 429
        key = api_key_authenticate(raw=raw) if raw.isascii() and raw.isprintable() else None
        if key is None:
            # Only wrong keys count. A right key is never held up by another client's failures
            # at the same address (a proxy, a NAT, a test suite on loopback): keys are random
            # 256-bit tokens, so there is nothing to learn by guessing, only load to shed.
            guard = FailedAuthThrottle()
            guard.refuse_if_exhausted(request)
            guard.count_failure(request)
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return key, key

    @staticmethod
    def _bearer(request) -> str:
        scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
        return credentials.strip() if scheme.lower() == "bearer" else ""

    def authenticate_header(self, request):
        # Having a challenge makes DRF answer 401 rather than 403 to a missing or bad key.
        return 'ApiKey header="X-Api-Key"'


class ApiScopePermission(BasePermission):
    """A valid key holding the view's ``api_scope`` (every scope when the view names none)."""

    message = "An API key is required."

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # DRF turns this into 401 with the authentication challenge
        needed = [str(view.api_scope)] if getattr(view, "api_scope", None) else api_scope_names()
        missing = [s for s in needed if not api_key_has_scope(key=key, scope=s)]
        if missing:
            self.message = f"This API key lacks the scope {' and '.join(repr(s) for s in missing)} for this call."
            return False
        return True


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "messaging.api.auth.ApiKeyAuthentication"
    name = ["ApiKey", "Bearer"]

    def get_security_requirement(self, auto_schema):
        return [{"ApiKey": []}, {"Bearer": []}]  # either one, not both

    def get_security_definition(self, auto_schema):
        return [{"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                {"type": "http", "scheme": "bearer", "description": "The API key as a bearer token."}]

