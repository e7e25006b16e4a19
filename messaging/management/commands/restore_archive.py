"""Load one archived day back into the database, with the pointers other rows held to it (rows
already there are left alone, so it can run again)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from messaging.history.archive import archive_restore


class Command(BaseCommand):
    help = ("Restore DAY (YYYY-MM-DD) of the message log with its delivery events and dispatch attempts, inbound "
            "messages and SNS notifications, and put back the timeline entries' and other rows' links to them.")

    def add_arguments(self, parser):
        parser.add_argument("day")

    def handle(self, *args, day, **options):
        try:
            when = date.fromisoformat(day)
        except ValueError as exc:
            raise CommandError(f"DAY: {exc}") from exc
        restored = archive_restore(day=when)
        self.stdout.write(", ".join(f"{n} {t}" for t, n in restored.items()))
