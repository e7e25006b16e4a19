from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def wildcard_hosts_check(app_configs, **kwargs):
    # "*" is a deployment (settings.DEPLOYED: SECRET_KEY required, HTTPS defaults on), but it
    # still lets any Host header through, and Django builds absolute links from that header.
    if "*" in settings.ALLOWED_HOSTS:
        return [Warning(
            "ALLOWED_HOSTS='*' accepts any Host header, so links the portal builds (admin, API docs) "
            "can be made to point at another site.",
            hint="Name the site's host in ALLOWED_HOSTS (e.g. portal.example.com).",
            id="portal.W001",
        )]
    return []
