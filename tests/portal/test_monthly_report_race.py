"""Two clusters run the monthly report at the same moment: the month is mailed once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from messaging.models import OutboundMessage
from portal.models import MonthlyReport
from portal.monthly_report import monthly_report_send
from tests.support.threads import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("round_", range(3))
def test_two_runs_at_once_send_the_month_once(settings, round_):
    settings.REPORT_EMAILS = ["boss@example.com"]
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", status="delivered",
                                   created_at=datetime(2026, 2, 3, tzinfo=UTC))

    results = together(*[lambda: monthly_report_send(now=NOW)] * 3)

    assert sum(r is not None for r in results) == 1
    assert MonthlyReport.objects.count() == 1
    assert OutboundMessage.objects.filter(channel="email", subject="Delivery report, February 2026").count() == 1
