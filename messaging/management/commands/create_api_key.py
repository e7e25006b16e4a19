from django.core.management.base import BaseCommand

from messaging.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for /api/v1/. The key is printed once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who or what will use the key, e.g. 'monitoring'.")

    def handle(self, *args, name, **options):
        key, raw = api_key_create(name=name)
        self.stderr.write(f"Created API key '{key.name}' ({key.prefix}…). Store it now; it is not shown again.")
        self.stdout.write(raw)
