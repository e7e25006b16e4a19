from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from messaging.api.keys import api_key_create
from messaging.api.scopes import api_scope_names
from messaging.models import ApiScope


class Command(BaseCommand):
    help = ("Create an API key for /api/v1/. The key is printed once, alone on the last line. "
            "Without --scope it may do everything; without --sender it may send as anyone.")

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who or what will use the key, e.g. 'monitoring'.")
        scopes = api_scope_names()
        parser.add_argument("--scope", action="append", dest="scopes", choices=scopes, metavar="SCOPE",
                            help=f"Repeatable; limits the key to these scopes: {', '.join(scopes)}.")
        parser.add_argument("--all-messages", action="store_true", dest="all_messages",
                            help="With --scope log: read every message in the log, not only what this key sent "
                                 "(the scope all_messages). A key made without --scope has it already.")
        parser.add_argument("--sender", action="append", dest="senders", metavar="SENDER",
                            help="Repeatable; the only senders POST /api/v1/messages/ accepts from this key "
                                 "(a number, origination identity, phone-number id, email address or @domain).")

    def handle(self, *args, name, scopes=None, senders=None, all_messages=False, **options):
        if all_messages and scopes is not None:
            scopes = [*scopes, ApiScope.ALL_MESSAGES]
        try:
            key, raw = api_key_create(name=name, scopes=scopes, senders=senders)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        rights = ", ".join(key.scopes) if key.scopes else "nothing"
        if ApiScope.LOG in key.scopes and ApiScope.ALL_MESSAGES not in key.scopes:
            rights += " (log: only what this key sends)"
        who = "any sender" if key.senders is None else ", ".join(key.senders) or "no sender"
        self.stderr.write(f"Created API key '{key.name}' ({key.prefix}…) for {rights}; {who}. "
                          "Store it now; it is not shown again.")
        self.stdout.write(raw)
