"""The simulated phone at SELF_TEST_NUMBER: it texts back whatever it gets, as the self-test's
second origination identity would, through the real SNS pipeline (so ``make run`` shows the
self-test working end to end)."""

from __future__ import annotations

from messaging.simulator.events import notification_ingest_local, simulated_inbound_message


def simulator_echo(*, phone: str, body: str, destination: str = "") -> None:
    notification_ingest_local(message=simulated_inbound_message(phone=phone, body=body, destination=destination))
