"""A Content-Security-Policy on every response: the admin, the simulator, the report, the API
docs, the API's JSON, errors and static files alike.

The portal's pages show text from outside (SMS bodies, contact names, alert descriptions); Django
escapes it, and this policy is the second wall if an escape is ever missed: only scripts the
portal serves itself, or inline ones carrying this response's nonce, run. Django 5.2 has no CSP
support of its own (6.0 adds it) and django-csp would be a dependency for about forty lines, so
the policy is written here, once, in one middleware. ``CONTENT_SECURITY_POLICY`` in settings can
replace it; ``{nonce}`` in it is filled per response.

Why each part:
- ``script-src 'self' 'nonce-…'``: the portal's static files (the admin's, Swagger UI's from
  drf-spectacular-sidecar) and the few inline scripts its own templates mark with
  ``nonce="{{ csp_nonce }}"``. No ``'unsafe-inline'``, no ``'unsafe-eval'``: an injected
  ``<script>`` or ``onerror=`` does not run.
- ``style-src 'self' 'nonce-…'`` for style sheets and ``<style>`` blocks, and
  ``style-src-attr 'unsafe-inline'`` for ``style="…"`` attributes only: the on-call timeline
  places each bar with one, and django-import-export's templates use them. An attribute cannot
  load or run anything; scripts stay strict.
- ``img-src 'self' data:``: the admin's and Swagger UI's icons include ``data:`` SVGs.
- ``connect-src 'self'`` (Swagger UI's "try it out" and the simulator's polling), ``form-action
  'self'``, ``base-uri 'self'``, ``object-src 'none'``, ``frame-ancestors 'none'`` (with
  X-Frame-Options DENY for older browsers).
"""

from __future__ import annotations

import secrets

from django.conf import settings

DEFAULT_POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
                  "style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
                  "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
                  "frame-ancestors 'none'")
HEADER = "Content-Security-Policy"


def csp_nonce(request) -> str:
    """This response's nonce (made on first use): templates get it as ``csp_nonce``."""
    # DRF renders its templates (the API docs) with its own Request wrapped around Django's: keep
    # the nonce on Django's, the one the middleware sees.
    request = getattr(request, "_request", request)
    nonce = getattr(request, "_csp_nonce", None)
    if nonce is None:
        nonce = request._csp_nonce = secrets.token_urlsafe(18)
    return nonce


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:  # a view that needs its own policy sets it
            policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
            response[HEADER] = policy.replace("{nonce}", csp_nonce(request))
        return response
