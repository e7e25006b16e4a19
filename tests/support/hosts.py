"""Three hosts on one machine: a database host and two application hosts, in Linux network
namespaces joined by a bridge, with a small proxy in front (``make test-cluster``).

Each host is a namespace with one interface on the bridge ``10.231.<net>.0/24``; the bridge's
own address is where the proxy (in the machine's own namespace) reaches the application hosts.
Cutting a host off is what a dead switch port does: its interface goes down, and whatever it
was saying to the database is never answered. Processes of a host run inside its namespace
(``ip netns exec``), each in a session of its own so that a SIGKILL reaches the whole group.

    hosts = Hosts.create(["db", "app1", "app2"])   # needs root and iproute2
    hosts.address("db")                           # 10.231.N.1
    hosts.cut("app1"); hosts.mend("app1")
    hosts.destroy()
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _ip(*args: str, netns: str | None = None) -> None:
    command = ["ip", *args] if netns is None else ["ip", "netns", "exec", netns, "ip", *args]
    subprocess.run(command, check=True, capture_output=True, text=True)


def available() -> str | None:
    """Why hosts cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    probe = f"ptl-probe-{os.getpid()}"
    result = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if result.returncode != 0:
        return f"ip netns add failed: {result.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


class Hosts:
    def __init__(self, names: list[str], net: int):
        self.names, self.net = names, net
        self.tag = f"{os.getpid() % 10000}"
        self.bridge = f"ptlbr{self.tag}"
        self.procs: dict[str, list[subprocess.Popen]] = {name: [] for name in names}
        self.logdir = Path(tempfile.mkdtemp(prefix="hosts-"))

    @classmethod
    def create(cls, names: list[str]) -> Hosts:
        hosts = cls(names, net=100 + os.getpid() % 100)
        try:
            hosts._build()
        except BaseException:
            hosts.destroy()
            raise
        return hosts

    def netns(self, name: str) -> str:
        return f"ptl{self.tag}-{name}"

    def address(self, name: str) -> str:
        return f"10.231.{self.net}.{self.names.index(name) + 1}"

    @property
    def gateway(self) -> str:
        return f"10.231.{self.net}.254"

    def _build(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for i, name in enumerate(self.names):
            ns, outside = self.netns(name), f"ptl{self.tag}v{i}"
            _ip("netns", "add", ns)
            _ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("link", "set", outside, "master", self.bridge)
            _ip("link", "set", outside, "up")
            _ip("addr", "add", f"{self.address(name)}/24", "dev", "eth0", netns=ns)
            _ip("link", "set", "eth0", "up", netns=ns)
            _ip("link", "set", "lo", "up", netns=ns)

    def cut(self, name: str) -> None:
        """Take the host off the network: its interface goes down."""
        _ip("link", "set", "eth0", "down", netns=self.netns(name))

    def mend(self, name: str) -> None:
        _ip("link", "set", "eth0", "up", netns=self.netns(name))

    def command(self, name: str, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.netns(name), *argv]

    def spawn(self, name: str, label: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logdir / f"{name}-{label}.log", "a")  # noqa: SIM115 - the process writes it
        proc = subprocess.Popen(self.command(name, argv), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name].append(proc)
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL every process of the host at once, as when the machine dies."""
        for proc in self.procs[name]:
            _signal_group(proc, signal.SIGKILL)
        for proc in self.procs[name]:
            proc.wait(timeout=30)
        self.procs[name] = []

    def terminate(self, name: str, timeout: float = 60) -> float:
        """SIGTERM every process of the host (a rolling restart) and wait; returns the seconds taken."""
        started = time.monotonic()
        for proc in self.procs[name]:
            _signal_group(proc, signal.SIGTERM, leader_only=True)
        for proc in self.procs[name]:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
        self.procs[name] = []
        return time.monotonic() - started

    def logs(self, name: str | None = None) -> str:
        files = sorted(self.logdir.glob(f"{name}-*.log" if name else "*.log"))
        return "\n".join(f"== {f.name}\n{f.read_text(errors='replace')}" for f in files)

    def destroy(self) -> None:
        for name in self.names:
            for proc in self.procs.get(name, []):
                if proc.poll() is None:
                    _signal_group(proc, signal.SIGKILL)
        for name in self.names:
            subprocess.run(["ip", "netns", "del", self.netns(name)], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        shutil.rmtree(self.logdir, ignore_errors=True)


def _signal_group(proc: subprocess.Popen, sig: int, leader_only: bool = False) -> None:
    try:
        if leader_only:
            # ``ip netns exec`` execs the command, so the leader is gunicorn's master or the
            # qcluster's main process, which stop their own children on SIGTERM.
            os.kill(proc.pid, sig)
        else:
            os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


class Proxy(threading.Thread):
    """A small TCP proxy: each connection goes to the next application host that accepts it
    within a second, so a host that is cut off or down is passed over, as an HAProxy or nginx
    upstream with ``proxy_next_upstream error timeout`` does."""

    def __init__(self, backends: list[tuple[str, int]]):
        super().__init__(daemon=True)
        self.backends = backends
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        self.turn = 0
        self.served: dict[str, int] = {host: 0 for host, _ in backends}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _upstream(self) -> socket.socket | None:
        for i in range(len(self.backends)):
            host, port = self.backends[(self.turn + i) % len(self.backends)]
            try:
                upstream = socket.create_connection((host, port), timeout=1.0)
            except OSError:
                continue
            self.turn = (self.turn + i + 1) % len(self.backends)
            self.served[host] += 1
            upstream.settimeout(None)
            return upstream
        return None

    def _serve(self, client: socket.socket) -> None:
        upstream = self._upstream()
        if upstream is None:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            client.close()
            return

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def close(self) -> None:
        self.sock.close()


def python() -> str:
    return sys.executable


class ProviderRecorder(threading.Thread):
    """The SMS provider the application hosts call over the network (``NetworkRecordingSmsTransport``):
    it appends each message-log id it receives to ``path``, one line per call."""

    def __init__(self, address: str, path: Path):
        super().__init__(daemon=True)
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with recorder.lock, open(path, "a") as f:
                    f.write(body.decode() + "\n")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.url = f"http://{address}:{self.server.server_address[1]}/"

    def run(self) -> None:
        self.server.serve_forever()

    def close(self) -> None:
        self.server.shutdown()
