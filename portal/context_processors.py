"""Template context every admin page can use."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from portal.csp import csp_nonce


def portal_tools(request):
    # The admin index lists the phone simulator only while it is mounted (SIMULATOR_ENABLED).
    # csp_nonce: the nonce an inline <script> or <style> must carry to run under the CSP (portal/csp.py).
    return {"simulator_enabled": settings.SIMULATOR_ENABLED,
            "csp_nonce": SimpleLazyObject(lambda: csp_nonce(request))}
