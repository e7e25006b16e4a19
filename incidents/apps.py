from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        # The report's incident rollup is rebuilt by messaging's refresh, with the message rollups.
        from incidents.rollups import INCIDENT_ROLLUP
        from messaging.history.rollups import rollup_register

        rollup_register(INCIDENT_ROLLUP)
