from django.apps import AppConfig

# The API scope of incidents' calls (incidents, policies, alerts) and of on-call schedules'.
INCIDENTS_SCOPE = "incidents"


class IncidentsConfig(AppConfig):
    name = "incidents"
    doors = ()  # nothing of incidents is imported by another app (tests/test_doors.py); the portal composes
    # Declared here, not in messaging: each app names the scopes of its own calls (messaging.api.scopes).
    api_scopes = {INCIDENTS_SCOPE: "Open, read and resolve incidents; policies, schedules and alerts"}
