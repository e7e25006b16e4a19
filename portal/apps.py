from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from portal.roles import roles_sync

    roles_sync()


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from portal import checks  # noqa: F401  (registers the deploy checks)

        # Keeps the groups' permissions in step when a later migration adds models.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="portal-roles")
