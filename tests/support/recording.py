"""A provider that writes down every call it receives, for crash tests and ``bench/chaos.py``.

Each call appends one line (the message-log id) to the file named by ``RECORDING_TRANSPORT_FILE``
before it answers, as a real provider has the message once the request reached it. A line is
one ``write`` to a file opened with O_APPEND, so lines from many worker processes never mix,
and a process SIGKILLed after the write has still made the call.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from messaging.transports.simulator import SmsTransport

PATH = "tests.support.recording.RecordingSmsTransport"


class RecordingSmsTransport(SmsTransport):
    def send(self, message):
        fd = os.open(os.environ["RECORDING_TRANSPORT_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{message.log_id}\n".encode())
        finally:
            os.close(fd)
        return super().send(message)


class NetworkRecordingSmsTransport(SmsTransport):
    """The provider over the network (``make test-cluster``): each call is an HTTP POST to
    ``RECORDING_PROVIDER_URL``, a recorder in the machine's own namespace. A host cut off the
    network cannot reach it, as it could not reach AWS: the call fails as a transient error,
    as a timeout to AWS would, and the send is retried."""

    def send(self, message):
        import requests

        from messaging.transports.base import TransientError

        try:
            requests.post(os.environ["RECORDING_PROVIDER_URL"], data=str(message.log_id), timeout=2).raise_for_status()
        except requests.RequestException as exc:
            raise TransientError(f"provider unreachable: {exc}", code="Unreachable") from exc
        return super().send(message)


def provider_calls(path: Path) -> Counter:
    """How many times the provider was called for each message-log id."""
    if not path.exists():
        return Counter()
    return Counter(int(line) for line in path.read_text().split())
