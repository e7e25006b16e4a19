from django.core.management.base import BaseCommand, CommandError

from messaging.transports.aws_setup import aws_setup
from messaging.transports.clients import aws_client


class Command(BaseCommand):
    help = ("Create or update, idempotently, the SES and SMS configuration sets and their SNS event destinations "
            "(and the WhatsApp account's event destination) so delivery events reach SNS_EVENTS_TOPIC_ARN.")
    stealth_options = ("clients",)  # tests pass Stubber-wrapped clients by service name

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Read the current state and print the plan only.")

    def handle(self, *args, dry_run=False, clients=None, **options):
        clients = clients or {}
        try:
            lines = aws_setup(client_for=lambda service: clients.get(service) or aws_client(service), dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in lines:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
