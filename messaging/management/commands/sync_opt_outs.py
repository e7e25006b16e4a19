"""Mirror the portal's SMS opt-outs into an AWS End User Messaging opt-out list."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from messaging.consent.aws_sync import optouts_sync_to_aws


class Command(BaseCommand):
    help = ("Put every active opt-out on the AWS opt-out list (put_opted_out_number), take numbers that "
            "opted back in off it, and with --pull import numbers only AWS knows.")

    def add_arguments(self, parser):
        parser.add_argument("--list", dest="list_name", default="",
                            help=f"Opt-out list name (default: SMS_OPT_OUT_LIST, now {settings.SMS_OPT_OUT_LIST!r}).")
        parser.add_argument("--pull", action="store_true", help="Also import numbers from the AWS list.")
        parser.add_argument("--keep-opted-in", action="store_true",
                            help="Do not remove numbers that opted back in from the AWS list.")

    def handle(self, *args, list_name="", pull=False, keep_opted_in=False, **options):
        result = optouts_sync_to_aws(list_name=list_name, pull=pull, remove_opted_in=not keep_opted_in)
        name = list_name or settings.SMS_OPT_OUT_LIST
        self.stdout.write(f"{name}: put {len(result.pushed)}, removed {len(result.removed)}, "
                          f"pulled {len(result.pulled)}, errors {len(result.errors)}")
        for error in result.errors:
            self.stderr.write(error)
        if result.errors:
            raise CommandError(f"{len(result.errors)} number(s) could not be synced")
