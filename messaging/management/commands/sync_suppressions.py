from django.core.management.base import BaseCommand

from messaging.consent.aws_sync import suppressions_sync
from messaging.transports.clients import aws_client


class Command(BaseCommand):
    help = ("Sync the email suppression list with SES's account-level suppression list: push local bounces and "
            "complaints (put_suppressed_destination), pull what SES suppresses (list_suppressed_destinations).")
    stealth_options = ("client",)  # tests pass a Stubber-wrapped client

    def add_arguments(self, parser):
        parser.add_argument("--push-only", action="store_true", help="Only send local addresses to SES.")
        parser.add_argument("--pull-only", action="store_true", help="Only copy SES's addresses here.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def handle(self, *args, push_only=False, pull_only=False, dry_run=False, client=None, **options):
        result = suppressions_sync(client=client or aws_client("sesv2"), push=not pull_only, pull=not push_only,
                                   dry_run=dry_run)
        verb = "would " if dry_run else ""
        for address in result.pushed:
            self.stdout.write(f"{verb}push to SES: {address}")
        for address in result.pulled:
            self.stdout.write(f"{verb}pull from SES: {address}")
        for address in result.skipped:
            self.stdout.write(f"kept local only (suppressed by hand): {address}")
        self.stdout.write(f"{len(result.pushed)} pushed, {len(result.pulled)} pulled, {len(result.skipped)} local only"
                          + (" (dry run)" if dry_run else ""))
