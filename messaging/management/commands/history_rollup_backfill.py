"""Roll up every past day of the message log at once (after an upgrade; the schedule catches up too)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from messaging.history.rollups import history_rollup_refresh, rollup_days_rebuild, rollup_missing_days


class Command(BaseCommand):
    help = "Build the report's daily rollups for every day that has none yet."

    def handle(self, *args, **options):
        missing = rollup_missing_days(today=timezone.localdate())
        rollup_days_rebuild(days=missing)
        history_rollup_refresh()
        self.stdout.write(f"rolled up {len(missing)} day(s)")
