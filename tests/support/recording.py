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


def provider_calls(path: Path) -> Counter:
    """How many times the provider was called for each message-log id."""
    if not path.exists():
        return Counter()
    return Counter(int(line) for line in path.read_text().split())
