"""What one alert costs the database: a repeat and a new group, counted over the whole request.

The alert path does its work in the request (the portal's answer carries the incident), so its
statement count is its cost. Counted: every statement but the transaction's own (BEGIN,
SAVEPOINT, RELEASE, COMMIT). A repeat is the common case during an outage (Alertmanager sends
the group again every ``group_interval``), so it is held to the fewest: the API key, the group
(found, locked and counted in one statement), the stored alert and its timeline entry.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.alerts import ALERTMANAGER_FIRING, grown
from tests.support.incidents import ANA, BEN

pytestmark = pytest.mark.django_db
AM = "/api/v1/alerts/alertmanager/"
TRANSACTION = re.compile(r"^\s*(BEGIN|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|COMMIT)\b", re.I)


@pytest.fixture
def policy(policy_factory):
    return policy_factory([([ANA], 60, 2, False), ([BEN], 60, 0, False)])


def statements(api, policy, body) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = api.post(f"{AM}?policy={policy.pk}", body, format="json")
    assert response.status_code in (200, 201), response.content
    work = [q["sql"] for q in captured.captured_queries if not TRANSACTION.match(q["sql"])]
    return response.status_code, work


def test_a_repeat_costs_four_statements(api, policy):
    api.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json")
    statements(api, policy, ALERTMANAGER_FIRING)  # the key's "last used" is kept to the minute

    status, work = statements(api, policy, ALERTMANAGER_FIRING)

    assert status == 200
    assert len(work) <= 4, "\n".join(work)


def test_a_new_group_costs_at_most_eighteen_statements(api, policy):
    api.post(f"{AM}?policy={policy.pk}", ALERTMANAGER_FIRING, format="json")
    other = {**grown(ALERTMANAGER_FIRING, instance="https://other.example.org"), "groupKey": "{}:{alertname=Other}"}

    status, work = statements(api, policy, other)

    assert status == 201
    assert len(work) <= 18, "\n".join(work)
