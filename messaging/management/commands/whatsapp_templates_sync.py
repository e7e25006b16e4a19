"""Read the WhatsApp Business Account's message templates and their approval status."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from messaging.templates.whatsapp_sync import whatsapp_templates_sync


class Command(BaseCommand):
    help = ("Store every WhatsApp message template of the account (list_whatsapp_message_templates, "
            "get_whatsapp_message_template) with its status; only APPROVED ones may be sent.")

    def add_arguments(self, parser):
        parser.add_argument("--waba", default="", help="WhatsApp Business Account id (default: WHATSAPP_WABA_ID).")

    def handle(self, *args, waba="", **options):
        try:
            result = whatsapp_templates_sync(waba_id=waba)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"templates: {result.seen} listed, {result.approved} approved, "
                          f"{result.gone} no longer listed, {len(result.errors)} errors")
        for error in result.errors:
            self.stderr.write(error)
        if result.errors:
            raise CommandError(f"{len(result.errors)} template(s) could not be read")
