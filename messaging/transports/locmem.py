"""The test transport, as Django's locmem mail backend: what was sent stays in memory.

Apart from the simulator so that tests plug it in by name without loading the simulator's
delivery-event machinery.
"""

from __future__ import annotations

import uuid

from messaging.transports.base import BaseTransport, OutgoingMessage, SendResult


class LocmemTransport(BaseTransport):
    """For tests: keeps what was sent in ``outbox`` and can be told to fail the next sends."""

    outbox: list[OutgoingMessage] = []
    fail_with: list[Exception] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        if LocmemTransport.fail_with:
            raise LocmemTransport.fail_with.pop(0)
        LocmemTransport.outbox.append(message)
        return SendResult(provider_message_id=f"locmem-{uuid.uuid4()}")
