from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "shifts"

    def ready(self):
        # Imported here because models must be loaded first; a deleted on-call shift removes its
        # override, which has no foreign key back to cascade along.
        from django.db.models.signals import post_delete

        from shifts.cover import shift_cover_on_delete
        from shifts.models import Shift

        post_delete.connect(shift_cover_on_delete, sender=Shift, dispatch_uid="shift_cover_on_delete")
