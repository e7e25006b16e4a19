"""Campaign throughput on two application hosts against one, the database on a host of its own.

    python bench/cluster.py                 # 3,000 SMS, unpaced, 1 host then 2 hosts
    python bench/cluster.py --count 1000

Builds the deployment of ``make test-cluster`` (tests/support/deployment.py: network
namespaces, PostgreSQL on ``db``, gunicorn and a qcluster on each application host, a proxy, and
an SMS provider over the network that writes down each call) twice: once with ``app1`` only,
once with both. Each time it imports the contacts and sends one shift campaign through the
proxy with no pacing limit, and times from the campaign's POST to the last provider call. Needs
root. Prints SMS/s for each and the ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.deployment import Deployment  # noqa: E402


def one(hosts: list[str], count: int, workers: int) -> float:
    deployment = Deployment(Path(tempfile.mkdtemp(prefix="bench-cluster-")), SMS_RATE_LIMIT=100_000,
                            Q_WORKERS=workers)
    try:
        for host in hosts:
            deployment.start(host)
        key = deployment.api_key()
        rows = "\n".join(f"Person {i},+1206555{i:04d},,,night" for i in range(count))
        assert deployment.post(key, "contacts/import/", data=f"name,phone,email,whatsapp,tags\n{rows}\n",
                     headers={"Content-Type": "text/csv"}).status_code == 200
        started = time.monotonic()
        sent = deployment.post(key, "shift-campaigns/", json={"name": "Night", "tag": "night",
                                                               "message": "Overtime tonight: reply YES."})
        assert sent.status_code == 201, sent.text
        while sum(deployment.provider_calls().values()) < count:
            if time.monotonic() - started > 600:
                raise RuntimeError("the campaign did not finish in 10 minutes")
            time.sleep(0.1)
        return count / (time.monotonic() - started)
    finally:
        deployment.destroy()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2, help="Q_WORKERS per host")
    args = parser.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load before: {load}", flush=True)
    single = one(["app1"], args.count, args.workers)
    print(f"1 application host:  {single:,.0f} SMS/s", flush=True)
    double = one(["app1", "app2"], args.count, args.workers)
    print(f"2 application hosts: {double:,.0f} SMS/s  (ratio {double / single:.2f})")
    print(f"load after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
