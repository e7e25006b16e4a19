from django.apps import AppConfig

# The API scope of shifts' calls (shifts, shift campaigns, the allow-list).
SHIFTS_SCOPE = "shifts"


class ShiftsConfig(AppConfig):
    name = "shifts"
    doors = ()  # nothing of shifts is imported by another app (tests/test_doors.py); the portal composes
    # Declared here, not in messaging: each app names the scopes of its own calls (messaging.api.scopes).
    api_scopes = {SHIFTS_SCOPE: "Shifts, shift campaigns and the allow-list"}

    def ready(self):
        # Imported here because models must be loaded first; a deleted on-call shift removes its
        # override, which has no foreign key back to cascade along.
        from django.db.models.signals import post_delete

        from shifts.cover import shift_cover_on_delete
        from shifts.models import Shift

        post_delete.connect(shift_cover_on_delete, sender=Shift, dispatch_uid="shift_cover_on_delete")
