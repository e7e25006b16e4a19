"""Archive the message log (with its events and dispatch attempts, inbound messages, SNS notifications)
before a day, by hand: to the end, and days restored by hand included."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from messaging.history.archive import messages_archive


class Command(BaseCommand):
    help = "Write every day before DATE to the archive (S3 or ARCHIVE_DIR), check it, then delete those rows."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: archive the days before this one")

    def handle(self, *args, before, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError(f"--before: {exc}") from exc
        totals = messages_archive(before=day)
        self.stdout.write(", ".join(f"{n} {t}" for t, n in totals.items()) or "nothing to archive")
