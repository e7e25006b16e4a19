import logging

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate

log = logging.getLogger(__name__)


def _sync_roles(sender, **kwargs):
    from portal.roles import roles_sync  # roles imports auth models, which are not loaded yet when apps.py is

    roles_sync()


class PortalConfig(AppConfig):
    default = True  # this module holds two configs; "portal" in INSTALLED_APPS means this one
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from portal import checks  # registers the deploy checks; imported here, once apps are ready

        # check --deploy is not run by every site, so the one misconfiguration that lets anyone
        # forge inbound SMS is also said loudly each time a process starts.
        if (problem := checks.sns_topics_problem()) is not None:
            log.error("%s %s", problem, checks.SNS_TOPICS_HINT)

        # Keeps the groups' permissions in step when a later migration adds models.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="portal-roles")


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site (portal/admin_site.py) as ``admin.site``:
    its home page answers "what needs me now" and orders the app list by role."""

    default = False  # named in full in INSTALLED_APPS; "portal" alone means PortalConfig
    default_site = "portal.admin_site.PortalAdminSite"
