"""What the SNS verification tests share: a topic that is not ours, and ``reject``."""

import pytest

from messaging.inbound import sns_verify as sns
from tests.support.sns import body

OTHER_TOPIC = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"


def reject(envelope_or_body) -> sns.SnsRejected:
    """The SnsRejected that verifying this envelope (or raw body) raises."""
    raw = envelope_or_body if isinstance(envelope_or_body, bytes) else body(envelope_or_body)
    with pytest.raises(sns.SnsRejected) as excinfo:
        sns.verify(raw)
    return excinfo.value
