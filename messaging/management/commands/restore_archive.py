"""Load one archived day back into the database (rows already there are left alone)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from messaging.history.archive import archive_restore


class Command(BaseCommand):
    help = "Restore DAY (YYYY-MM-DD) of the message log, its events, inbound SMS and SNS notifications."

    def add_arguments(self, parser):
        parser.add_argument("day")

    def handle(self, *args, day, **options):
        try:
            when = date.fromisoformat(day)
        except ValueError as exc:
            raise CommandError(f"DAY: {exc}") from exc
        restored = archive_restore(day=when)
        self.stdout.write(", ".join(f"{n} {t}" for t, n in restored.items()))
