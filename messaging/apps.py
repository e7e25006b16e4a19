from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        # Registers the system checks; imported here because they read settings and import the
        # configured handlers, which need the app registry to be ready.
        from messaging import checks  # noqa: F401
