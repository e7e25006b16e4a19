"""`make run`: migrate, create the demo login, seed demo data, then run web and worker together."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.demo import demo_seed

DEMO_USER = "admin"
DEMO_PASSWORD = "portal-demo"
# On the simulator, the pager's self-test runs against a simulated number that echoes
# (messaging.simulator.echo), so the demo shows it working; never with a real transport.
DEMO_SELF_TEST = {"SELF_TEST_NUMBER": "+15550100199", "SELF_TEST_MINUTES": "5"}


class Command(BaseCommand):
    help = "Start the portal (web server and qcluster) on the embedded default, with a demo login."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args, host, port, no_seed, **options):
        if settings.DEPLOYED:
            # The demo login's password is printed here and written in the README: on a site
            # that answers beyond this machine it would be a published superuser password.
            raise CommandError(
                "run_portal is for local runs and creates the demo login admin/portal-demo; it refuses "
                "to run in a deployment (DEBUG off and ALLOWED_HOSTS naming a host beyond this machine "
                "or '*'). Run migrate, a WSGI server and qcluster instead (README), and create the "
                "admin with createsuperuser."
            )
        call_command("migrate", interactive=False, verbosity=0)
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USER).first()
        if user is None:
            user_model.objects.create_superuser(DEMO_USER, "admin@example.com", DEMO_PASSWORD)
            created = True
        else:
            created = False
        if not no_seed:
            demo_seed()
        url = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS("\nOperations portal"))
        self.stdout.write(f"  admin:      {url}/admin/")
        if settings.SIMULATOR_ENABLED:
            self.stdout.write(f"  simulator:  {url}/simulator/")
        self.stdout.write(f"  API docs:   {url}/api/docs/")
        if created:
            self.stdout.write(f"  login:      {DEMO_USER} / {DEMO_PASSWORD}")
        else:
            self.stdout.write(f"  login:      {DEMO_USER} (password as set; demo default {DEMO_PASSWORD})")
        self.stdout.write(f"  transports: sms={settings.SMS_TRANSPORT} email={settings.EMAIL_TRANSPORT} "
                          f"whatsapp={settings.WHATSAPP_TRANSPORT} voice={settings.VOICE_TRANSPORT}")
        env = os.environ.copy()
        if settings.SIMULATOR_ENABLED and not settings.SELF_TEST_NUMBER:
            env.update(DEMO_SELF_TEST)
        if env.get("SELF_TEST_NUMBER"):
            self.stdout.write(f"  self-test:  an SMS to {env['SELF_TEST_NUMBER']} every "
                              f"{env.get('SELF_TEST_MINUTES') or settings.SELF_TEST_MINUTES} min, expected back")
        self.stdout.write("  Ctrl-C stops the web server and the worker.\n")
        self.stdout.flush()
        manage = [sys.executable, "manage.py"]
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        # Handlers first: a Ctrl-C that lands while the children start must still stop them.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        procs = []
        try:
            # Each child leads its own process group, so a stop reaches the worker's sentinel
            # and workers too, never leaving them running after `make run` has returned.
            for command in ([*manage, "qcluster"], [*manage, "runserver", f"{host}:{port}", "--noreload"]):
                procs.append(subprocess.Popen(command, env=env, start_new_session=True))
            while not stopping and all(p.poll() is None for p in procs):
                time.sleep(0.3)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
            self.stdout.write("Stopped web server and worker.")
