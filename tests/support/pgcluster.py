"""A throw-away PostgreSQL cluster of its own, for tests that stop and start the server.

Never the shared server on 5432: a test that restarts PostgreSQL must own the one it restarts.
``initdb`` refuses to run as root, so as root the cluster is created and run as the ``postgres``
user (``runuser``), in a folder that user owns. Plain module: the fixture lives in the test.

    cluster = PgCluster.create()          # initdb into a fresh /tmp folder, on a free port
    cluster.start()
    url = cluster.create_database("x")   # postgres://postgres@127.0.0.1:PORT/x
    cluster.stop()                        # pg_ctl stop -m fast
    cluster.destroy()                     # stop if running, remove the folder
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "postgres"  # when this process is root


def available() -> str | None:
    """Why a throw-away cluster cannot be made here, or None when it can."""
    for tool in ("initdb", "pg_ctl"):
        if not (BIN / tool).exists():
            return f"{BIN / tool} not found (set PG_BIN)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, root: Path, port: int):
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = port
        self.host = "127.0.0.1"
        self.wrap: list[str] = []  # e.g. ["ip", "netns", "exec", "db"]: the server runs on another host
        self.options = ""

    @classmethod
    def create(cls, port: int | None = None) -> PgCluster:
        root = Path(tempfile.mkdtemp(prefix="pgcluster-"))
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam(RUN_AS)
            os.chown(root, user.pw_uid, user.pw_gid)
        cluster = cls(root, port or free_port())
        try:
            cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                         "--no-sync", "--locale=C.UTF-8")
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def on_host(self, address: str, wrap: list[str], network: str) -> None:
        """Serve on ``address`` inside another network namespace, to clients of ``network``."""
        self.host, self.wrap = address, wrap
        # What docs/deployment.md sets: a client host that vanishes (cut off, not closed) is found
        # dead within ~15 s and its session ended, so no lock it held outlives it for long.
        self.options = ("-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=5 "
                        "-c idle_in_transaction_session_timeout=30s")
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {network} trust\n")

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(BIN / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        command = [*self.wrap, *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                               f"{self.server_log()}")
        return result

    def start(self) -> None:
        # Loopback TCP only, and the socket in our folder, so nothing touches the shared server's.
        # fsync off: the data is thrown away, and a fast restart is what the tests measure.
        options = (f"-p {self.port} -c listen_addresses={self.host} -k {self.root} -c fsync=off "
                   f"-c max_connections=200 {self.options}")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        command = [str(BIN / "pg_ctl"), "-D", str(self.data), "status"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def server_log(self) -> str:
        try:
            return self.log.read_text()
        except OSError:
            return ""

    def destroy(self) -> None:
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
