"""The one builder of AWS payloads: real ones pasted from the documentation (each with its link),
and the few shapes tests derive from them.

Tests wrap them in SNS envelopes signed by ``tests.support.sns``; ``example(...)`` returns a deep
copy so that a test can change ids without touching the originals.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote_plus

from tests.support.sns import sign_envelope

# https://docs.aws.amazon.com/sms-voice/latest/userguide/two-way-sms-payload.html
INBOUND_TWO_WAY_SMS = {
    "originationNumber": "+14255550182",
    "destinationNumber": "+12125550101",
    "messageKeyword": "JOIN",
    "messageBody": "EXAMPLE",
    "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
    "previousPublishedMessageId": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}

# https://docs.aws.amazon.com/end-user-messaging/latest/userguide/nx-features-messaging-events.html
# ("SMS example log"; the same record is in the SMS user guide's configuration-sets-event-format page)
SMS_EVENT_RECORD = {
    "eventType": "TEXT_SUCCESSFUL",
    "eventVersion": "1.0",
    "eventTimestamp": 1686975103470,
    "isFinal": True,
    "originationPhoneNumber": "+12065550152",
    "destinationPhoneNumber": "+14255550156",
    "isInternationalSend": False,
    "mcc": "310",
    "mnc": "800",
    "messageId": "862a8790-60c0-4430-9b2b-658bdexample",
    "messageRequestTimestamp": 1686975103170,
    "messageEncoding": "GSM",
    "messageType": "PROMOTIONAL",
    "messageStatus": "SUCCESSFUL",
    "messageStatusDescription": "Message has been accepted by phone carrier",
    "context": {"account": "bar"},
    "totalMessageParts": 1,
    "totalMessagePrice": 0.09582,
    "totalCarrierFee": 0.0,
}

_SES_MAIL = {
    "timestamp": "2017-08-05T00:40:02.012Z",
    "source": "Sender Name <sender@example.com>",
    "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
    "sendingAccountId": "123456789012",
    "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
    "destination": ["recipient@example.com"],
    "headersTruncated": False,
    "headers": [
        {"name": "From", "value": "Sender Name <sender@example.com>"},
        {"name": "To", "value": "recipient@example.com"},
        {"name": "Subject", "value": "Message sent from Amazon SES"},
        {"name": "MIME-Version", "value": "1.0"},
        {"name": "Content-Type",
         "value": "multipart/alternative; boundary=\"----=_Part_7307378_1629847660.1516840721503\""},
    ],
    "commonHeaders": {
        "from": ["Sender Name <sender@example.com>"],
        "to": ["recipient@example.com"],
        "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
        "subject": "Message sent from Amazon SES",
    },
    "tags": {
        "ses:configuration-set": ["ConfigSet"],
        "ses:source-ip": ["192.0.2.0"],
        "ses:from-domain": ["example.com"],
        "ses:caller-identity": ["ses_user"],
    },
}

# https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html ("Bounce record")
SES_BOUNCE = {
    "eventType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {"emailAddress": "recipient@example.com", "action": "failed", "status": "5.1.1",
             "diagnosticCode": "smtp; 550 5.1.1 user unknown"},
        ],
        "timestamp": "2017-08-05T00:41:02.669Z",
        "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        "reportingMTA": "dsn; mta.example.com",
    },
    "mail": _SES_MAIL,
}

# https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html ("Complaint record")
SES_COMPLAINT = {
    "eventType": "Complaint",
    "complaint": {
        "complainedRecipients": [{"emailAddress": "recipient@example.com"}],
        "timestamp": "2017-08-05T00:41:02.669Z",
        "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/60.0.3112.90 Safari/537.36",
        "complaintFeedbackType": "abuse",
        "arrivalDate": "2017-08-05T00:41:02.669Z",
    },
    "mail": _SES_MAIL,
}

# https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html ("Delivery record")
SES_DELIVERY = {
    "eventType": "Delivery",
    "mail": _SES_MAIL,
    "delivery": {
        "timestamp": "2016-10-19T23:21:04.133Z",
        "processingTimeMillis": 11893,
        "recipients": ["recipient@example.com"],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": "mta.example.com",
    },
}

# https://docs.aws.amazon.com/ses/latest/dg/notification-examples.html
# (identity feedback notifications: no configuration set, so the field is notificationType)
SES_NOTIFICATION_BOUNCE = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "reportingMTA": "dns; email.example.com",
        "bouncedRecipients": [
            {"emailAddress": "jane@example.com", "status": "5.1.1", "action": "failed",
             "diagnosticCode": "smtp; 550 5.1.1 <jane@example.com>... User"},
        ],
        "bounceSubType": "General",
        "timestamp": "2016-01-27T14:59:38.237Z",
        "feedbackId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
        "remoteMtaIp": "127.0.2.0",
    },
    "mail": {
        "timestamp": "2016-01-27T14:59:38.237Z",
        "source": "john@example.com",
        "sourceArn": "arn:aws:ses:us-east-1:888888888888:identity/example.com",
        "sourceIp": "127.0.3.0",
        "sendingAccountId": "123456789012",
        "callerIdentity": "IAM_user_or_role_name",
        "messageId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
        "destination": ["jane@example.com", "mary@example.com", "richard@example.com"],
    },
}

# https://docs.aws.amazon.com/social-messaging/latest/userguide/managing-event-destination-dlrs.html
# (the AWS event header) around a Meta "message status" webhook entry
# (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#message-status-updates).
WHATSAPP_STATUS_ENTRY = {
    "id": "WHATSAPP-BUSINESS-ACCOUNT-ID",
    "changes": [{
        "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "PHONE-NUMBER", "phone_number_id": "PHONE-NUMBER-ID"},
            "statuses": [{
                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA",
                "status": "delivered",
                "timestamp": "1750263773",
                "recipient_id": "16505551234",
                "pricing": {"billable": True, "pricing_model": "CBP", "category": "utility"},
            }],
        },
        "field": "messages",
    }],
}
WHATSAPP_EVENT = {
    "context": {
        "MetaWabaIds": [{
            "wabaId": "1234567890abcde",
            "arn": "arn:aws:social-messaging:us-east-1:123456789012:waba/fb2594b8a7974770b128a409e2example"}],
        "MetaPhoneNumberIds": [{
            "metaPhoneNumberId": "abcde1234567890",
            "arn": ("arn:aws:social-messaging:us-east-1:123456789012:"
                    "phone-number-id/976c72a700aac43eaf573ae050example")}],
    },
    "whatsAppWebhookEntry": None,  # filled in by whatsapp_event()
    "aws_account_id": "123456789012",
    "message_timestamp": "2025-01-08T23:30:43.271279391Z",
    "messageId": "6d69f07a-c317-4278-9d5c-6a84078419ec",
}


# Meta's "text messages" webhook entry
# (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#text-messages),
# which AWS End User Messaging Social publishes in the same event header as a status.
WHATSAPP_TEXT_ENTRY = {
    "id": "WHATSAPP-BUSINESS-ACCOUNT-ID",
    "changes": [{
        "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "12125550101", "phone_number_id": "PHONE-NUMBER-ID"},
            "contacts": [{"profile": {"name": "NAME"}, "wa_id": "14255550182"}],
            "messages": [{
                "from": "14255550182",
                "id": "wamid.HBgLMTQyNTU1NTAxODIVAgASGBQzQTdBQjQ1N0I5RTc2RTU2RjJFMAA=",
                "timestamp": "1750263773",
                "text": {"body": "MESSAGE_BODY"},
                "type": "text",
            }],
        },
        "field": "messages",
    }],
}


def whatsapp_text_event(*, phone: str, body: str, wamid: str, reply_to: str = "") -> dict:
    """The AWS event for a WhatsApp text ``body`` that ``phone`` (E.164) wrote to the portal."""
    entry = copy.deepcopy(WHATSAPP_TEXT_ENTRY)
    value = entry["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = phone.lstrip("+")
    value["messages"][0].update({"from": phone.lstrip("+"), "id": wamid, "text": {"body": body}})
    if reply_to:
        value["messages"][0]["context"] = {"from": "12125550101", "id": reply_to}
    event = copy.deepcopy(WHATSAPP_EVENT)
    event["whatsAppWebhookEntry"] = json.dumps(entry)
    return event


# https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
# ("Example message when an object is created using a PUT request"), as S3 publishes it to SNS.
S3_OBJECT_CREATED_PUT = {
    "Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-west-2",
        "eventTime": "1970-01-01T00:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AIDAJDPLRKLG7UEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "172.16.0.1"},
        "responseElements": {
            "x-amz-request-id": "C3D13FE58DE4C810",
            "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "testConfigRule",
            "bucket": {"name": "amzn-s3-demo-bucket", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                       "arn": "arn:aws:s3:::amzn-s3-demo-bucket"},
            "object": {"key": "HappyFace.jpg", "size": 1024, "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                       "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko", "sequencer": "0055AED6DCD90281E5"},
        },
    }],
}
# The same page's test message, which S3 sends when a notification configuration is saved.
S3_TEST_EVENT = {"Service": "Amazon S3", "Event": "s3:TestEvent",
                 "Time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                 "Bucket": "amzn-s3-demo-bucket", "RequestId": "5582815E1AEA5ADF",
                 "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YYAoXYhC"}


def s3_object_created(*, bucket: str, key: str) -> dict:
    """The documented PUT record for ``key`` (URL-encoded, as S3 writes it) in ``bucket``."""
    event = copy.deepcopy(S3_OBJECT_CREATED_PUT)
    event["Records"][0]["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    event["Records"][0]["s3"]["object"]["key"] = quote_plus(key, safe="/")
    return event


def example(payload: dict, **changes) -> dict:
    out = copy.deepcopy(payload)
    out.update(changes)
    return out


def whatsapp_event(*, status: str = "delivered", wamid: str | None = None, aws_message_id: str | None = None,
                   errors: list | None = None) -> dict:
    entry = copy.deepcopy(WHATSAPP_STATUS_ENTRY)
    st = entry["changes"][0]["value"]["statuses"][0]
    st["status"] = status
    if wamid is not None:
        st["id"] = wamid
    if errors:
        st["errors"] = errors
    event = copy.deepcopy(WHATSAPP_EVENT)
    event["whatsAppWebhookEntry"] = json.dumps(entry)
    if aws_message_id is not None:
        event["messageId"] = aws_message_id
    return event


def sms_event(provider_id: str, event_type: str, **changes) -> dict:
    return example(SMS_EVENT_RECORD, messageId=provider_id, eventType=event_type, **changes)


def _ses_time(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# A permanent SES bounce for user@example.com, as configuration-set event publishing sends it
# (times relative to now: a second after the send, a minute ago).
SES_BOUNCE_RAW = {
    "eventType": "Bounce",
    "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
               "bouncedRecipients": [{"emailAddress": "user@example.com", "action": "failed", "status": "5.1.1",
                                      "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
               "timestamp": _ses_time(59), "feedbackId": "0100-feedback"},
    "mail": {"timestamp": _ses_time(60), "source": "noreply@example.com",
             "messageId": "0100-ses-message-id", "destination": ["user@example.com"]},
}


def inbound_help(phone: str) -> dict:
    """A signed inbound HELP from ``phone``: the portal answers it with an SMS the worker sends."""
    payload = INBOUND_TWO_WAY_SMS | {"originationNumber": phone, "messageBody": "HELP",
                                     "inboundMessageId": str(uuid.uuid4())}
    return sign_envelope(json.dumps(payload))
