"""Three hosts (a database and two application hosts) in network namespaces, with a proxy in
front: the set-up the deployment guide (docs/deployment.md) describes, on one machine."""

from __future__ import annotations

import pytest

from tests.support import hosts as hosts_module
from tests.support.deployment import Deployment
from tests.support.pgcluster import available as pg_available


@pytest.fixture
def deployment(tmp_path):
    for reason in (hosts_module.available(), pg_available()):
        if reason:
            pytest.fail(f"make test-cluster cannot run here: {reason}")
    made = Deployment(tmp_path)
    try:
        yield made
    finally:
        made.destroy()
