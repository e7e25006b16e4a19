"""The client's address, for every place that counts requests per address.

Behind a TLS proxy (the README's nginx or a load balancer) ``REMOTE_ADDR`` is the proxy's, so
every user shares one address: five wrong admin passwords from anyone lock the real user out,
and one client's bad API keys throttle everyone. ``X-Forwarded-For`` names the client, but any
client can send that header, so it is read only when ``TRUSTED_PROXY_COUNT`` says how many
proxies stand in front. Each proxy appends the address it was reached from, so the client is
the N-th entry from the right; entries further left were written by the client and may be lies.

One function, used by django-axes (``AXES_CLIENT_IP_CALLABLE``) and the API throttles
(messaging.api.auth), so that the lockout and the throttles always agree on who a client is.
It lives below both (messaging may not import the portal); a leaf, it reads only settings.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The address of whoever sent ``request``: REMOTE_ADDR, or X-Forwarded-For's N-th from the right."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote
    # Fewer entries than proxies: the chain was shorter than configured; the left-most entry is
    # still one a proxy wrote (the client's own header would make the list longer, not shorter).
    candidate = addresses[-min(proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Not an address (a proxy that writes "unknown", or garbage): the connection's address is
        # the one fact left, and axes stores the result in an IP address column.
        return remote
