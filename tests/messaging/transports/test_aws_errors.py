"""How a provider failure becomes a TransientError or a PermanentError (map_client_error).
"""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from messaging.transports.aws_errors import map_client_error
from messaging.transports.base import (
    PermanentError,
    TransientError,
)
from tests.support.aws_transports import REQUEST_ID


def _client_error(code, status=400, **extra):
    from botocore.exceptions import ClientError

    response = {
        "Error": {"Code": code, "Message": f"{code} happened"},
        "ResponseMetadata": {"RequestId": REQUEST_ID, "HTTPStatusCode": status},
        **extra,
    }
    return ClientError(response, "SendTextMessage")


@pytest.mark.parametrize("code", [
    "ThrottlingException", "TooManyRequestsException", "InternalServerException",
    "ServiceUnavailable", "ThrottledRequestException", "InternalServiceException",
])
def test_map_transient_codes(code):
    err = map_client_error(_client_error(code), {"operation": "send_text_message"})

    assert isinstance(err, TransientError)
    assert err.code == code
    assert err.context["operation"] == "send_text_message"
    assert err.context["aws_request_id"] == REQUEST_ID
    assert err.context["error_message"] == f"{code} happened"


@pytest.mark.parametrize("code", [
    "ValidationException", "AccessDeniedException", "ResourceNotFoundException",
    "MessageRejected", "AccountSuspendedException", "NotFoundException", "BadRequestException",
    "ServiceQuotaExceededException",
])
def test_map_permanent_codes(code):
    err = map_client_error(_client_error(code, status=500 if code == "ValidationException"
                                         else 400), {})

    assert isinstance(err, PermanentError)
    assert err.code == code
    assert err.opted_out is False


def test_map_unknown_codes_by_http_status():
    assert isinstance(map_client_error(_client_error("SomethingNew", 400)), PermanentError)
    assert isinstance(map_client_error(_client_error("SomethingNew", 503)), TransientError)
    assert isinstance(map_client_error(_client_error("SomethingNew", 429)), TransientError)


def test_map_opt_out_reason():
    err = map_client_error(
        _client_error("ConflictException", Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT"),
        {"request": {"DestinationPhoneNumber": "+14255550123"}},
    )

    assert isinstance(err, PermanentError)
    assert err.opted_out is True
    assert err.code == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert err.context["request"] == {"DestinationPhoneNumber": "+14255550123"}


@pytest.mark.parametrize("exc", [
    EndpointConnectionError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/"),
    ConnectTimeoutError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/"),
    ReadTimeoutError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/"),
])
def test_map_network_errors_are_transient(exc):
    err = map_client_error(exc, {"operation": "send_text_message"})

    assert isinstance(err, TransientError)
    assert err.code == type(exc).__name__
    assert err.context["operation"] == "send_text_message"


def test_map_param_validation_is_permanent():
    err = map_client_error(ParamValidationError(report="Invalid length for parameter"), {})

    assert isinstance(err, PermanentError)
