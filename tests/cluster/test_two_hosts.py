"""Two application hosts that cover for each other (``make test-cluster``).

A 2,000-SMS shift campaign goes out through the proxy while incidents wait on their escalation
timers; one application host is cut off the network mid-way and its processes killed, as when
the machine dies. Every SMS must reach the provider exactly once, every timer fire once, and the
surviving host must finish within 30 s of the pacing floor. The host then comes back and takes
work again. A rolling restart (SIGTERM one host, start it, then the other) loses and repeats
nothing either.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import requests

pytestmark = [pytest.mark.cluster]

CAMPAIGN = 2000
RATE = 100  # SMS_RATE_LIMIT: parts a second, the whole portal's
INCIDENTS = 10


def _campaign(deployment, key: str, tag: str, count: int, first: int = 0) -> None:
    rows = "\n".join(f"Person {i},+1206555{first + i:04d},,,{tag}" for i in range(count))
    imported = deployment.post(key, "contacts/import/", data=f"name,phone,email,whatsapp,tags\n{rows}\n",
                     headers={"Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text
    sent = deployment.post(key, "shift-campaigns/", json={"name": f"Night {tag}", "tag": tag,
                                                           "message": "Overtime tonight: reply YES to book."})
    assert sent.status_code == 201 and sent.json()["recipients"] == count, sent.text


def _incidents(deployment, key: str, count: int) -> list[int]:
    ids = []
    for i in range(count):
        made = deployment.post(key, "incidents/", json={
            "description": f"Gas smell {i}", "contacts": [f"+1425555{i:04d}", f"+1360555{i:04d}"],
            "wait_seconds": 10, "reminders": 0})
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return ids


def _queued(deployment) -> int:
    return deployment.sql("SELECT count(*) FROM messaging_outboundmessage WHERE status = 'queued'")[0][0]


def _wait_until_sent(deployment, timeout: float) -> float:
    started = time.monotonic()
    while _queued(deployment) and time.monotonic() - started < timeout:
        time.sleep(0.25)
    return time.monotonic() - started


def _exactly_once(deployment) -> tuple[int, int, int]:
    """(messages, duplicates, never sent) over every SMS in the log."""
    ids = {row[0] for row in deployment.sql("SELECT id FROM messaging_outboundmessage WHERE channel = 'sms'")}
    calls = deployment.provider_calls()
    return len(ids), sum(n - 1 for n in calls.values()), len(ids - set(calls))


def test_one_host_cut_off_mid_campaign_the_other_finishes_everything_once(deployment):
    deployment.start("app1")
    deployment.start("app2")
    key = deployment.api_key()
    _campaign(deployment, key, "night", CAMPAIGN)
    incidents = _incidents(deployment, key, INCIDENTS)
    time.sleep(CAMPAIGN / RATE / 3)  # a third of the campaign out

    deployment.hosts.cut("app1")
    cut_at = time.monotonic()
    deployment.hosts.kill("app1")
    sent_at_cut = sum(deployment.provider_calls().values())
    # The proxy passes the dead host over: the API answers at once.
    assert requests.get(f"{deployment.proxy.url}/healthz", timeout=5).status_code == 200
    assert deployment.post(key, "incidents/", json={"description": "after the cut", "contacts": ["+14255559999"]}
                 ).status_code == 201

    _wait_until_sent(deployment, timeout=180)
    took = time.monotonic() - cut_at
    floor = (CAMPAIGN - sent_at_cut) / RATE
    # Escalation timers (10 s) of every incident fire once, on the survivor.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and deployment.sql(
            "SELECT count(*) FROM messaging_timer WHERE state = 'pending' AND due_at < now()")[0][0]:
        time.sleep(0.5)
    _wait_until_sent(deployment, timeout=60)
    time.sleep(1.0)  # a provider call still on its way would show up now

    messages, duplicates, lost = _exactly_once(deployment)
    print(f"\ncut after {sent_at_cut} of {CAMPAIGN} SMS; everything sent {took:.1f} s after the cut "
          f"(pacing alone needed {floor:.1f} s); {messages} SMS, {duplicates} duplicates, {lost} lost")
    assert (duplicates, lost) == (0, 0)
    assert took - floor <= 30, f"recovery took {took - floor:.1f} s beyond pacing"
    # Every incident escalated once: its second contact got exactly one page.
    second = Counter(r[0] for r in deployment.sql(
        "SELECT recipient FROM messaging_outboundmessage WHERE recipient LIKE '+1360555%%'"))
    assert sorted(second.values()) == [1] * INCIDENTS, second
    fired = deployment.sql("SELECT state, count(*) FROM messaging_timer GROUP BY state")
    assert dict(fired).get("pending", 0) == 0 or all(
        row[0] for row in deployment.sql("SELECT due_at > now() FROM messaging_timer WHERE state = 'pending'")), fired
    assert len(incidents) == INCIDENTS

    # The host comes back and rejoins: new work is shared, and still sent once.
    deployment.hosts.mend("app1")
    deployment.start("app1")
    served_before = dict(deployment.proxy.served)
    _campaign(deployment, key, "morning", 200, first=5000)
    for _ in range(10):
        assert requests.get(f"{deployment.proxy.url}/healthz", timeout=5).status_code == 200
    _wait_until_sent(deployment, timeout=60)
    time.sleep(1.0)
    _, duplicates, lost = _exactly_once(deployment)
    assert (duplicates, lost) == (0, 0)
    address = deployment.hosts.address("app1")
    assert deployment.proxy.served[address] > served_before[address], "the proxy sends to the host again"
    assert "Traceback" not in deployment.hosts.logs("app2"), deployment.hosts.logs("app2")


def test_a_rolling_restart_loses_and_repeats_nothing(deployment):
    deployment.start("app1")
    deployment.start("app2")
    key = deployment.api_key()
    _campaign(deployment, key, "night", 1000)
    for host in ("app1", "app2"):
        time.sleep(2)
        stopped = deployment.hosts.terminate(host)
        assert stopped < 60, f"{host} took {stopped:.1f} s to stop"
        # The other host answers meanwhile.
        assert requests.get(f"{deployment.proxy.url}/healthz", timeout=5).status_code == 200
        deployment.start(host)
    _wait_until_sent(deployment, timeout=120)
    time.sleep(1.0)
    messages, duplicates, lost = _exactly_once(deployment)
    assert messages == 1000 and (duplicates, lost) == (0, 0)
