"""CSV downloads: the message log, incidents and every chart; who may have them; formulae defused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import Incident, IncidentStatus
from messaging.models import Contact, OutboundMessage
from portal.roles import ANALYST, DISPATCHER

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def analyst(client, django_user_model):
    user = django_user_model.objects.create_user("ann", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=ANALYST))
    client.force_login(user)
    return client


def test_an_analyst_downloads_the_message_log_newest_first_with_formulae_defused(analyst):
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", body="first", status="delivered",
                                   created_at=timezone.now() - timedelta(hours=2))
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", body='=HYPERLINK("http://x")',
                                   status="failed")
    OutboundMessage.objects.create(channel="email", recipient="a@example.com", subject="@SUM(A1)", status="sent")
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", body="too old", status="delivered",
                                   created_at=timezone.now() - timedelta(days=40))

    table = rows(analyst.get("/admin/export/messages.csv"))
    header, body = table[0], table[1:]
    assert header[:5] == ["id", "created_at", "channel", "sender", "recipient"]
    assert [r[header.index("body")] for r in body] == ["", "'=HYPERLINK(\"http://x\")", "first"]
    assert body[0][header.index("subject")] == "'@SUM(A1)"

    only_sms = rows(analyst.get("/admin/export/messages.csv?channel=sms&status=delivered&days=90"))
    assert [r[header.index("body")] for r in only_sms[1:]] == ["first", "too old"]
    assert {r[header.index("status")] for r in only_sms[1:]} == {"delivered"}
    assert len(only_sms) == 3  # header, "first" and the 40-day-old one


def test_bad_export_filters_get_a_400_naming_each_field(analyst):
    r = analyst.get("/admin/export/messages.csv?days=0&channel=fax&status=lost")
    assert r.status_code == 400
    assert set(r.json()) == {"days", "channel", "status"}
    assert set(analyst.get("/admin/export/incidents.csv?status=maybe").json()) == {"status"}


def test_an_analyst_downloads_incidents_with_who_acknowledged_and_how_fast(analyst):
    ana = Contact.objects.create(name="Ana", phone="+12065550101")
    opened = timezone.now() - timedelta(hours=1)
    Incident.objects.create(description="+gas leak", status=IncidentStatus.ACKNOWLEDGED, created_at=opened,
                            acknowledged_by=ana, acknowledged_at=opened + timedelta(seconds=42))
    Incident.objects.create(description="nobody came", status=IncidentStatus.UNACKNOWLEDGED)

    table = rows(analyst.get("/admin/export/incidents.csv"))
    header = table[0]
    by_desc = {r[header.index("description")]: r for r in table[1:]}
    assert set(by_desc) == {"'+gas leak", "nobody came"}
    acked = by_desc["'+gas leak"]
    assert acked[header.index("acknowledged_by")] == "Ana"
    assert acked[header.index("seconds_to_acknowledge")] == "42.0"
    assert by_desc["nobody came"][header.index("status")] == "unacknowledged"


def test_every_chart_of_the_report_downloads_as_csv(analyst):
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", status="delivered")
    page = analyst.get("/admin/report/?days=30").content.decode()
    slugs = ["daily", "channels", "incident-weeks", "incident-rates", "delivery-weeks", "spend", "responders",
             "campaigns", "consent"]
    for slug in slugs:
        assert f"/admin/report/{slug}.csv?days=30" in page
        assert rows(analyst.get(f"/admin/report/{slug}.csv?days=30"))[0]  # a header at least
    daily = rows(analyst.get("/admin/report/daily.csv?days=7"))
    assert len(daily) == 8 and daily[-1][0] == timezone.localdate().isoformat()
    assert daily[-1][daily[0].index("delivered")] == "1"
    assert analyst.get("/admin/report/nonsense.csv").status_code == 404


def test_without_the_view_permission_there_is_nothing_to_download(client, django_user_model):
    nobody = django_user_model.objects.create_user("ned", password="pw-12345-abc", is_staff=True)
    client.force_login(nobody)
    OutboundMessage.objects.create(channel="sms", recipient="+14255550100", body="secret")
    for url in ("/admin/export/messages.csv", "/admin/export/incidents.csv", "/admin/report/daily.csv",
                "/admin/report/"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert b"secret" not in r.content
    client.logout()
    assert client.get("/admin/export/messages.csv").status_code == 302  # to the login page


def test_a_dispatcher_may_export_incidents_and_messages_they_can_see_in_the_admin(client, django_user_model):
    user = django_user_model.objects.create_user("dee", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=DISPATCHER))
    client.force_login(user)
    assert client.get("/admin/export/incidents.csv").status_code == 200
    assert client.get("/admin/export/messages.csv").status_code == 200
