"""The portal as docs/deployment.md deploys it, on three hosts of one machine: PostgreSQL on
``db``, gunicorn and a qcluster on each of ``app1`` and ``app2``, a proxy in front, and an SMS
provider reached over the network that writes down every call (``make test-cluster``,
``bench/cluster.py``)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

from tests.support.hosts import Hosts, ProviderRecorder, Proxy
from tests.support.pgcluster import PgCluster

ROOT = Path(__file__).resolve().parents[2]
WEB_PORT = 8000


class Deployment:
    """The portal on ``app1`` and ``app2`` (gunicorn and a qcluster each), PostgreSQL on ``db``."""

    def __init__(self, tmp: Path, **settings):
        self.hosts = Hosts.create(["db", "app1", "app2"])
        self.pg = PgCluster.create()
        self.pg.on_host(self.hosts.address("db"), self.hosts.command("db", []),
                        f"10.231.{self.hosts.net}.0/24")
        self.pg.start()
        self.database_url = self.pg.create_database("portal")
        self.calls_file = tmp / "provider-calls.txt"
        self.provider = ProviderRecorder(self.hosts.gateway, self.calls_file)
        self.provider.start()
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root", "DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "false", "SECRET_KEY": "cluster-test-" + "x" * 40,
            "TASKS_EAGER": "false", "SIMULATOR_AUTO_DELIVER": "false", "SNS_AUTO_CONFIRM": "false",
            "LOG_LEVEL": "WARNING", "Q_WORKERS": "2", "SMS_RATE_LIMIT": "100",
            "SMS_TRANSPORT": "tests.support.recording.NetworkRecordingSmsTransport",
            "RECORDING_PROVIDER_URL": self.provider.url,
            **{k: str(v) for k, v in settings.items()},
        }
        self.manage("migrate", "-v", "0")
        self.proxy = Proxy([(self.hosts.address(name), WEB_PORT) for name in ("app1", "app2")])
        self.proxy.start()

    def manage(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=300)
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, host: str) -> None:
        """gunicorn and a qcluster on ``host``, as the systemd units in docs/deployment.md run them."""
        address = self.hosts.address(host)
        self.hosts.spawn(host, "web", [sys.executable, "-m", "gunicorn", "portal.wsgi", "-c",
                                       "deploy/gunicorn.conf.py", "--bind", f"{address}:{WEB_PORT}"], self.env)
        self.hosts.spawn(host, "worker", [sys.executable, "manage.py", "qcluster"], self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # As a load balancer checks it: the Host is the site's, not the backend's address.
                if requests.get(f"http://{address}:{WEB_PORT}/healthz", headers={"Host": "localhost"},
                                timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError(f"{host} did not come up:\n{self.hosts.logs(host)}")
        time.sleep(2.5)  # the qcluster's sentinel, pusher and workers

    def api_key(self) -> str:
        out = self.manage("create_api_key", "cluster-test", "--scope", "contacts", "--scope", "shifts",
                          "--scope", "incidents", "--scope", "log")
        return next(w for w in out.split() if len(w) > 30)

    def post(self, key: str, path: str, headers: dict | None = None, **kwargs) -> requests.Response:
        """POST to the API through the proxy."""
        return requests.post(f"{self.proxy.url}/api/v1/{path}", headers={"X-Api-Key": key, **(headers or {})},
                             timeout=30, **kwargs)

    def provider_calls(self) -> Counter:
        """How many times the provider was called for each message-log id."""
        if not self.calls_file.exists():
            return Counter()
        return Counter(int(line) for line in self.calls_file.read_text().split())

    def sql(self, query: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True, connect_timeout=5) as conn:
            return conn.execute(query, params).fetchall()

    def destroy(self) -> None:
        self.proxy.close()
        self.provider.close()
        for host in ("app1", "app2"):
            self.hosts.kill(host)
        self.pg.destroy()
        self.hosts.destroy()
