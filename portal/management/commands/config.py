"""`manage.py config export | apply FILE [--dry-run] [--prune] | schema`: the setup as code.

``apply --dry-run`` exits 2 when the file would change anything, so CI can catch drift; a bad
file exits 1 with each problem on its own line, named by its path in the file.
"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.setup_as_code.config.base import ConfigInvalid
from portal.setup_as_code.config.engine import config_apply, config_export, config_schema

DRIFT_EXIT = 2


class Command(BaseCommand):
    help = "Export the portal's setup as YAML, apply such a file, or print the file's JSON Schema."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("export", help="print the setup as YAML")
        apply = sub.add_parser("apply", help="make the portal match FILE (- reads standard input)")
        apply.add_argument("file")
        apply.add_argument("--dry-run", action="store_true",
                           help=f"print the plan; exit {DRIFT_EXIT} if it has changes")
        apply.add_argument("--prune", action="store_true",
                           help="also delete what the file's sections do not hold")
        sub.add_parser("schema", help="print the JSON Schema of the file")

    def handle(self, *args, action, **options):
        if action == "schema":
            self.stdout.write(json.dumps(config_schema(), indent=2))
        elif action == "export":
            self.stdout.write(config_export(now=timezone.now()), ending="")
        else:
            self._apply(options["file"], dry_run=options["dry_run"], prune=options["prune"])

    def _apply(self, path, *, dry_run, prune):
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        started = time.monotonic()
        try:
            changes = config_apply(text, now=timezone.now(), dry_run=dry_run, prune=prune)
        except ConfigInvalid as exc:
            for where, message in exc.errors:
                self.stderr.write(f"{path}: {where}: {message}")
            raise CommandError(f"Nothing changed: {len(exc.errors)} problems in {path}.") from None
        for change in changes:
            self.stdout.write(f"  {change}")
        verb = "Would make" if dry_run else "Made"
        self.stderr.write(f"Checked and applied in {time.monotonic() - started:.1f} s.")
        self.stdout.write(f"{verb} {len(changes)} changes." if changes else "No changes.")
        if dry_run and changes:
            raise CommandError(f"{len(changes)} changes pending (dry run).", returncode=DRIFT_EXIT)
