"""The one factory of boto3 clients: the transports, the archive, the consent syncs, imports from
S3 and the number lookups all build theirs here, so every client has the same region and
timeouts. A leaf (it imports nothing of ours), so any stage may use it.

No ``endpoint_url`` is passed (botocore's ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``
keep working, which is how a test or a local S3 plugs in) and no retry policy is forced
(``AWS_MAX_ATTEMPTS`` / ``AWS_RETRY_MODE`` keep working); only the socket timeouts are shortened,
so a hung call cannot outlive the worker's task timeout. Callers look the factory up through
this module (``clients.aws_client``) so a test can hand every caller a stubbed client.
"""

from __future__ import annotations

import boto3
from botocore.config import Config
from django.conf import settings

DEFAULT_REGION = "us-east-1"  # when AWS_REGION is set but empty


def aws_client(service: str):
    """A boto3 client for ``service`` in ``AWS_REGION``."""
    config = Config(connect_timeout=settings.AWS_CONNECT_TIMEOUT, read_timeout=settings.AWS_READ_TIMEOUT)
    return boto3.client(service, region_name=settings.AWS_REGION or DEFAULT_REGION, config=config)
