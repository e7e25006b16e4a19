"""Template context every admin page can use."""

from django.conf import settings


def portal_tools(request):
    # The admin index lists the phone simulator only while it is mounted (SIMULATOR_ENABLED).
    return {"simulator_enabled": settings.SIMULATOR_ENABLED}
