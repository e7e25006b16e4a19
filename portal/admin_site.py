"""The portal's admin site: Django's, with a home page for the people on duty.

Its index shows what needs someone now (portal/home.py composes the panels) above the app
list, and orders that list, on the home page and in the sidebar, by what the user's role works
on (portal.roles.ROLE_APP_ORDER), with the framework's own apps (users, login lockouts,
background tasks) last. What each user sees is still what Django's permissions give them: the
panels are filtered by the same permissions as the apps below them.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite

from portal import home
from portal.roles import ADMIN_APPS_LAST, app_order


class PortalAdminSite(AdminSite):
    site_header = "Operations portal"
    site_title = "Operations portal"
    index_title = "What needs you now"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        first = app_order(request.user)

        def rank(app):
            label = app["app_label"]
            if label in first:
                return (0, first.index(label))
            if label in ADMIN_APPS_LAST:
                return (2, ADMIN_APPS_LAST.index(label))
            return (1, 0)

        return sorted(apps, key=rank)  # stable: apps of equal rank keep Django's (alphabetical) order

    def index(self, request, extra_context=None):
        return super().index(request, {**home.home_panels(request), **(extra_context or {})})
