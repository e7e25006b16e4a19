"""Amazon Connect as the tests see it: a contact event as EventBridge delivers it, and settings.

The event's shape is the documented one: the EventBridge envelope (``version``, ``id``,
``detail-type`` "Amazon Connect Contact Event", ``source`` "aws.connect", ``account``, ``time``,
``region``, ``resources`` with the contact's and the instance's ARNs) around the contact event
data model (``eventType``, ``contactId``, ``initialContactId``, ``channel``, ``instanceArn``,
``initiationMethod``, and the timestamps of the event type):

- https://docs.aws.amazon.com/connect/latest/adminguide/contact-events.html ("Contact events
  data model", the DISCONNECTED and CONTACT_DATA_UPDATED event types)
- https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-connect.html ("Amazon Connect
  Contact Event", source aws.connect, best-effort delivery)

An API destination posts this JSON as the request body, unchanged.
"""

from __future__ import annotations

import copy
import itertools

INSTANCE_ID = "11111111-2222-3333-4444-555555555555"
INSTANCE_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE_ID}"
PAGE_FLOW_ID = "12121212-3434-5656-7878-909090909090"
SOURCE_PHONE = "+12065550199"
EVENTS_TOKEN = "connect-events-token-for-tests"

CONTACT_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "Amazon Connect Contact Event",
    "source": "aws.connect",
    "account": "123456789012",
    "time": "2026-12-07T03:02:11Z",
    "region": "us-east-1",
    "resources": [
        f"{INSTANCE_ARN}/contact/c0ffee00-1111-2222-3333-444444444444",
        INSTANCE_ARN,
    ],
    "detail": {
        "eventType": "DISCONNECTED",
        "contactId": "c0ffee00-1111-2222-3333-444444444444",
        "initialContactId": "c0ffee00-1111-2222-3333-444444444444",
        "channel": "VOICE",
        "instanceArn": INSTANCE_ARN,
        "initiationMethod": "OUTBOUND",
        "initiationTimestamp": "2026-12-07T03:01:20.000Z",
        "connectedToSystemTimestamp": "2026-12-07T03:01:31.000Z",
        "disconnectTimestamp": "2026-12-07T03:02:10.000Z",
    },
}
_ids = itertools.count(1)


def contact_event(*, contact_id: str, event_type: str = "DISCONNECTED", event_id: str = "") -> dict:
    """The documented event about ``contact_id``, with a fresh EventBridge id unless one is given."""
    event = copy.deepcopy(CONTACT_EVENT)
    event["id"] = event_id or f"6a7e8feb-b491-4cf7-a9f1-{next(_ids):012d}"
    event["resources"][0] = f"{INSTANCE_ARN}/contact/{contact_id}"
    event["detail"].update(eventType=event_type, contactId=contact_id, initialContactId=contact_id)
    return event


def connect_settings(settings) -> None:
    settings.CONNECT_INSTANCE_ID = INSTANCE_ID
    settings.CONNECT_PAGE_FLOW_ID = PAGE_FLOW_ID
    settings.CONNECT_SOURCE_PHONE_NUMBER = SOURCE_PHONE
    settings.CONNECT_QUEUE_ID = ""
    settings.CONNECT_RING_TIMEOUT_SECONDS = 25
    settings.CONNECT_EVENTS_TOKEN = EVENTS_TOKEN
    settings.AWS_REGION = "us-east-1"
