from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def wildcard_hosts_check(app_configs, **kwargs):
    if "*" in settings.ALLOWED_HOSTS and not settings.DEPLOYED:
        return [Warning(
            "ALLOWED_HOSTS='*' is treated as a local run: the dev-only SECRET_KEY is allowed and the "
            "HTTPS-only defaults are off.",
            hint="Name the site's host in ALLOWED_HOSTS (e.g. portal.example.com) for a deployment.",
            id="portal.W001",
        )]
    return []
