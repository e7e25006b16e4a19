"""Settings for the portal, read from the environment with django-environ.

Every variable has a safe local default so that ``make run`` works with no configuration;
production overrides them (see README.md and .env.example). Two modules, so neither grows past
a screenful of sections: ``framework`` (Django, security, the API, django-q2) and ``features``
(what the portal does). ``DJANGO_SETTINGS_MODULE`` stays ``portal.settings``.
"""

from portal.settings.features import *  # noqa: F403
from portal.settings.framework import *  # noqa: F403
