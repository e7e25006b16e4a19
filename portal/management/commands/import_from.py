"""`manage.py import_from oncall|opsgenie|pagerduty (--url URL --token TOKEN | --file FILE) [--dry-run]`.

Reads everything first (a malformed source stops here, before any write), then writes it in one
transaction (portal/setup_as_code/importer.py) and prints what it made and what it could not map.
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.setup_as_code.importer import plan_import
from portal.setup_as_code.neutral import SourceMalformed
from portal.setup_as_code.sources import FileSource, HttpSource
from portal.setup_as_code.vendors import READERS


class Command(BaseCommand):
    help = "Import people, schedules, escalation policies and integrations from Grafana OnCall, Opsgenie or PagerDuty."

    def add_arguments(self, parser):
        parser.add_argument("vendor", choices=sorted(READERS))
        parser.add_argument("--url", help="the vendor's API base URL, e.g. https://api.pagerduty.com")
        parser.add_argument("--token", help="the API token (read access is enough)")
        parser.add_argument("--file", help="a JSON object mapping each request path to the vendor's answer")
        parser.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")

    def handle(self, *args, vendor, url, token, file, dry_run, **options):
        if bool(file) == bool(url):
            raise CommandError("Give either --file FILE, or --url URL with --token TOKEN.")
        if url and not token:
            raise CommandError("--url needs --token.")
        started = time.monotonic()
        try:
            source = FileSource(file) if file else HttpSource(url=url, token=token, style=vendor)
            plan = READERS[vendor](source, now=timezone.now())
        except SourceMalformed as exc:
            raise CommandError(f"Nothing imported: the source is malformed: {exc}") from None
        except OSError as exc:  # requests' connection errors are OSErrors
            raise CommandError(f"Nothing imported: could not read the source: {exc}") from None
        read = time.monotonic()
        try:
            report = plan_import(plan, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(f"Nothing imported: {exc}") from None
        out = self.stdout
        for path in source.missing:
            report.unmapped.insert(0, f"{path}: not in the source; read as empty")
        out.write(f"{'Would make' if dry_run else 'Made'} {len(report.changes)} changes "
                  f"({report.unchanged} unchanged) from {vendor}:")
        for line in report.changes:
            out.write(f"  {line}")
        out.write(f"Not mapped ({len(report.unmapped)}):")
        for line in report.unmapped:
            out.write(f"  {line}")
        out.write(f"Read the source in {read - started:.1f} s ({source.requests} requests); "
                  f"wrote in {time.monotonic() - read:.1f} s.")
        if dry_run:
            out.write("Dry run: nothing was changed.")
