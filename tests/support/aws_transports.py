"""What the AWS transport tests share: the request id botocore's stubs answer with, and a client
that tries once."""

import boto3
from botocore.config import Config

from messaging.transports.base import OutgoingMessage

REQUEST_ID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
META = {"RequestId": REQUEST_ID, "HTTPStatusCode": 200}
WA_PHONE_ID = "phone-number-id-01234567890123456789012345678901"


def one_try_client(service: str):
    # One attempt only, so a transport-level failure surfaces at once instead of being retried.
    return boto3.client(service, region_name="us-east-1",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def sms(**kw) -> OutgoingMessage:
    """An outgoing page as the send service hands it to a transport (SMS unless ``channel`` says)."""
    kw.setdefault("log_id", 42)
    kw.setdefault("channel", "sms")
    kw.setdefault("recipient", "+14255550123")
    kw.setdefault("body", "INC-7: database down. Reply YES to acknowledge, NO to pass.")
    return OutgoingMessage(**kw)
