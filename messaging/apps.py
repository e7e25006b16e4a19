from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"
    # The modules other apps may import (tests/test_doors.py holds every import to this list).
    # Everything else is messaging's own and may change shape without telling anyone.
    doors = (
        "messaging.models",  # the tables (a package that only re-exports)
        "messaging.contacts",  # get-or-create and look up contacts, the allow-list
        "messaging.notification_rules",  # a person's notification rules: read and said in words
        "messaging.phones",  # E.164
        "messaging.values.instants", "messaging.values.limits", "messaging.values.senders",
        "messaging.values.spreadsheets", "messaging.values.storable",  # what a value may be
        "messaging.outbound.send", "messaging.outbound.parts", "messaging.outbound.wording",  # sending
        "messaging.scheduling.timers",  # durable timers
        "messaging.transports",  # can a channel place this send (transport_supports)
        "messaging.transports.clients",  # the one boto3 factory (the on-call hotline's Connect calls)
        "messaging.calls.setup",  # create or update an Amazon Connect flow (the hotline's, in setup_aws)
        "messaging.inbound.handlers", "messaging.inbound.context",  # the inbound handler contract
        "messaging.consent.optouts", "messaging.consent.keywords",  # who opted out; reserved words
        "messaging.audience.personal", "messaging.audience.number_types",  # placeholders; landlines
        "messaging.templates.render", "messaging.templates.builtin",  # templates; the apps' own texts
        "messaging.templates.sending",  # a template to many, per language and topic
        "messaging.topics.preferences", "messaging.topics.links",  # who wants a topic; signed links
        "messaging.history.rollups",  # another app's daily rollup joins the refresh
        "messaging.erasure.subject",  # who an app's PERSONAL_DATA_ERASERS entry erases
        "messaging.reports",  # percentiles for the report
        "messaging.api.fields", "messaging.api.scopes",  # the API's phone field; scopes
        "messaging.admin.badges", "messaging.admin.pagination",  # admin helpers for big tables
    )

    def ready(self):
        # Registers the system checks; imported here because they read settings and import the
        # configured handlers, which need the app registry to be ready.
        from messaging import checks  # noqa: F401
