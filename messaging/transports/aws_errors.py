"""How AWS failures become the transport contract's errors: transient (retry) or permanent (fail).

Apart from the transports so that the decision (which codes retry, what an opt-out looks like,
what of a request may go into an error's context) reads as one table, not as part of each call.
"""

from __future__ import annotations

import json
from typing import Any

from botocore import exceptions as botocore_exceptions
from botocore.exceptions import ClientError, CredentialRetrievalError, HTTPClientError

from .base import PermanentError, TransientError, TransportError

OPTED_OUT_REASON = "DESTINATION_PHONE_NUMBER_OPTED_OUT"

# Codes that mean "try again later", whatever HTTP status a stub or proxy reports.
TRANSIENT_CODES = frozenset({
    "ThrottlingException",  # sms-voice-v2, connect
    "Throttling",
    "TooManyRequestsException",  # sesv2, connect
    "ThrottledRequestException",  # socialmessaging
    "RequestLimitExceeded",
    "InternalServerException",  # sms-voice-v2
    "InternalServiceException",  # socialmessaging, connect
    "InternalServiceErrorException",  # sesv2
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "DependencyException",  # socialmessaging, 502: Meta or another dependency failed
    "RequestTimeout",
    "RequestTimeoutException",
})

# Codes that retrying cannot fix. Anything else is permanent unless its HTTP status is 429/5xx.
PERMANENT_CODES = frozenset({
    "ValidationException",
    "AccessDeniedException",
    "AccessDeniedByMetaException",
    "ResourceNotFoundException",
    "ConflictException",
    # A spend or daily limit (sms-voice-v2) or a Connect quota: waiting minutes does not help,
    # and failing lets a fallback channel take over.
    "ServiceQuotaExceededException",
    "MessageRejected",
    "AccountSuspendedException",
    "SendingPausedException",
    "MailFromDomainNotVerifiedException",
    "NotFoundException",
    "BadRequestException",
    "InvalidParametersException",
    "InvalidParameterException",
    "InvalidRequestException",
    "DestinationNotAllowedException",
    "OutboundContactNotPermittedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "UnauthorizedOperation",
    "ExpiredTokenException",
})

# Request keys that carry message content; they are summarised, not copied, into error context.
_BODY_KEYS = frozenset({"MessageBody", "message", "Content"})


def summarise(params: dict) -> dict:
    """The request parameters, JSON-safe, with message content reduced to a summary."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key == "MessageBody":
            out[key] = f"<{len(value)} chars>"
        elif key == "message":  # socialmessaging: bytes of the Meta JSON
            try:
                meta = json.loads(value)
            except (TypeError, ValueError):
                out[key] = f"<{len(value)} bytes>"
            else:
                out[key] = {
                    "type": meta.get("type"),
                    "to": meta.get("to"),
                    "template": (meta.get("template") or {}).get("name"),
                }
        elif key == "Content":
            if "Template" in value:
                out[key] = {"Template": {"TemplateName": value["Template"].get("TemplateName")}}
            else:
                simple = value.get("Simple", {})
                out[key] = {"Simple": {
                    "Subject": simple.get("Subject", {}).get("Data", ""),
                    "Body": sorted(simple.get("Body", {})),
                }}
        elif isinstance(value, bytes):
            out[key] = f"<{len(value)} bytes>"
        else:
            out[key] = value
    return out


def map_client_error(exc: Exception, context: dict | None = None) -> TransportError:
    """Turn a botocore exception into a ``TransientError`` or ``PermanentError``.

    ``context`` describes the request (``service``, ``operation``, ``request`` parameters); the
    returned error's ``context`` adds ``error_code``, ``error_message``, ``reason``,
    ``http_status`` and ``aws_request_id``. The caller raises the result ``from exc``.
    """
    ctx = dict(context or {})
    if isinstance(exc, ClientError):
        response = exc.response or {}
        error = response.get("Error") or {}
        meta = response.get("ResponseMetadata") or {}
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or response.get("message") or exc)
        status = int(meta.get("HTTPStatusCode") or 0)
        reason = response.get("Reason") or error.get("Reason") or ""
        ctx.update({
            "error_code": code,
            "error_message": message,
            "reason": reason,
            "http_status": status,
            "aws_request_id": meta.get("RequestId", ""),
        })
        if code == "ConflictException" and reason == OPTED_OUT_REASON:
            return PermanentError(message, code=OPTED_OUT_REASON, context=ctx, opted_out=True)
        if code in TRANSIENT_CODES:
            return TransientError(message, code=code, context=ctx)
        if code in PERMANENT_CODES:
            return PermanentError(message, code=code, context=ctx)
        if status == 429 or status >= 500:
            return TransientError(message, code=code, context=ctx)
        return PermanentError(message, code=code, context=ctx)

    code = type(exc).__name__
    ctx.update({"error_code": code, "error_message": str(exc), "reason": "",
                "http_status": 0, "aws_request_id": ""})
    # EndpointConnectionError, ConnectTimeoutError, SSLError, ProxyConnectionError are
    # ConnectionErrors; ReadTimeoutError and ConnectionClosedError are HTTPClientErrors.
    network = (botocore_exceptions.ConnectionError, HTTPClientError, CredentialRetrievalError)
    if isinstance(exc, network):
        return TransientError(str(exc), code=code, context=ctx)
    # ParamValidationError, NoCredentialsError, NoRegionError...: configuration or input.
    return PermanentError(str(exc), code=code, context=ctx)
