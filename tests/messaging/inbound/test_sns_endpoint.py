"""POST /sns/: verify, store raw under MessageId, act once; 200 / 400 / 403 as the contract says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client

from messaging.inbound import notifications
from messaging.models import (
    DeliveryEvent,
    InboundSms,
    MessageStatus,
    NotificationKind,
    NotificationStatus,
    OutboundMessage,
    SnsNotification,
)
from tests.support.aws import INBOUND_TWO_WAY_SMS, SMS_EVENT_RECORD, example
from tests.support.sns import (
    CERT_URL,
    TOPIC_ARN,
    body,
    other_private_key,
    post_all_at_once,
    resign,
    sign_envelope,
    to_lambda_style,
)

pytestmark = pytest.mark.django_db


def sms(message_id="862a8790-60c0-4430-9b2b-658bdexample", **kw):
    return OutboundMessage.objects.create(channel="sms", recipient="+14255550156", body="Hello",
                                          status=MessageStatus.SENT, provider_message_id=message_id, **kw)


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_sms_event_is_stored_then_applied(post_sns, version):
    msg = sms()
    response, envelope = post_sns.message(SMS_EVENT_RECORD, signature_version=version)
    assert response.status_code == 200
    n = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert (n.kind, n.status, n.type) == (NotificationKind.SMS_EVENT, NotificationStatus.PROCESSED, "Notification")
    assert n.raw["Message"] == envelope["Message"]  # stored raw, as received
    msg.refresh_from_db()
    assert msg.status == MessageStatus.DELIVERED
    assert DeliveryEvent.objects.get(notification=n).message == msg


def test_no_sns_headers_and_any_content_type(post_sns, client):
    _, envelope = post_sns.message({"hello": "world"}, message_id="m-1")
    envelope2 = sign_envelope({"hello": "again"}, message_id="m-2")
    # No x-amz-sns-* headers at all, and JSON posted as form-less octets: only the body counts.
    assert client.post("/sns/", data=body(envelope2), content_type="application/octet-stream").status_code == 200
    assert client.post("/sns/", data=body(sign_envelope("x", message_id="m-3")),
                       content_type="application/json", HTTP_X_AMZ_SNS_MESSAGE_TYPE="SubscriptionConfirmation",
                       ).status_code == 200
    assert SnsNotification.objects.get(message_id="m-3").type == "Notification"


def test_lambda_style_record_is_accepted(post_sns):
    response = post_sns.envelope(to_lambda_style(sign_envelope(json.dumps(SMS_EVENT_RECORD))))
    assert response.status_code == 200
    assert SnsNotification.objects.get().kind == NotificationKind.SMS_EVENT


def test_anything_else_is_stored_not_acted_on_and_answered_200(post_sns):
    response, envelope = post_sns.message("just a plain text message", subject="Hi")
    assert response.status_code == 200
    n = SnsNotification.objects.get(message_id=envelope["MessageId"])
    assert (n.kind, n.status, n.subject) == (NotificationKind.OTHER, NotificationStatus.IGNORED, "Hi")
    post_sns.message({"some": "json", "eventType": "SOMETHING_ELSE"})
    assert SnsNotification.objects.filter(status=NotificationStatus.IGNORED).count() == 2


def test_an_event_for_an_unknown_message_id_is_stored_and_answered_200(post_sns):
    response, _ = post_sns.message(example(SMS_EVENT_RECORD, messageId="never-sent-by-us"))
    assert response.status_code == 200
    event = DeliveryEvent.objects.get()
    assert (event.message, event.provider_message_id, event.event_type) == (None, "never-sent-by-us", "delivered")


# --------------------------------------------------------------------------- redelivery


def test_a_redelivery_gets_200_and_is_not_acted_on_again(post_sns):
    envelope = sign_envelope(json.dumps(INBOUND_TWO_WAY_SMS | {"messageBody": "HELP"}))
    first = post_sns.envelope(envelope)
    second = post_sns.envelope(envelope)
    assert first.status_code == second.status_code == 200
    assert SnsNotification.objects.count() == 1
    assert InboundSms.objects.count() == 1
    # One help reply, not two.
    assert OutboundMessage.objects.filter(recipient="+14255550182").count() == 1


def test_a_redelivered_event_is_applied_once(post_sns):
    sms()
    envelope = sign_envelope(json.dumps(SMS_EVENT_RECORD))
    for _ in range(3):
        assert post_sns.envelope(envelope).status_code == 200
    assert DeliveryEvent.objects.count() == 1


def test_the_same_inbound_sms_under_a_new_sns_message_id_is_routed_once(post_sns):
    payload = INBOUND_TWO_WAY_SMS | {"messageBody": "HELP"}
    post_sns.message(payload)
    post_sns.message(payload)  # AWS published it twice: two MessageIds, one inboundMessageId
    assert SnsNotification.objects.count() == 2
    assert InboundSms.objects.count() == 1
    assert OutboundMessage.objects.filter(recipient="+14255550182").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_redeliveries_are_processed_exactly_once(sns_certs):
    envelope = sign_envelope(json.dumps(INBOUND_TWO_WAY_SMS | {"messageBody": "HELP"}))
    statuses = [r.status_code for r in post_all_at_once(body(envelope))]
    assert statuses == [200] * 8
    assert SnsNotification.objects.filter(message_id=envelope["MessageId"]).count() == 1
    assert InboundSms.objects.count() == 1
    assert OutboundMessage.objects.filter(recipient="+14255550182").count() == 1


# --------------------------------------------------------------------------- rejections


def _nothing_stored():
    return not SnsNotification.objects.exists()


@pytest.mark.parametrize("raw", [
    b"", b"not json", b"[1, 2, 3]", b'"a string"', b"{", b"\xff\xfe\x00garbage", b"[" * 100000,
])
def test_garbage_bodies_are_400(post_sns, raw):
    assert post_sns.raw(raw).status_code == 400
    assert _nothing_stored()


@pytest.mark.parametrize("field", ["Type", "MessageId", "Message", "Timestamp", "Signature", "SignatureVersion",
                                   "SigningCertURL", "TopicArn"])
def test_missing_required_fields_are_400(post_sns, field):
    envelope = sign_envelope({"hello": "world"})
    del envelope[field]
    assert post_sns.envelope(envelope).status_code == 400
    assert _nothing_stored()


def test_confirmation_without_token_or_subscribe_url_is_400(post_sns):
    for field in ("Token", "SubscribeURL"):
        envelope = sign_envelope("confirm", type="SubscriptionConfirmation")
        del envelope[field]
        assert post_sns.envelope(envelope).status_code == 400
    assert _nothing_stored()


def test_unknown_type_and_bad_timestamp_are_400(post_sns):
    assert post_sns.envelope(sign_envelope("x") | {"Type": "Surprise"}).status_code == 400
    assert post_sns.envelope(resign(sign_envelope("x") | {"Timestamp": "yesterday"})).status_code == 400
    assert _nothing_stored()


@pytest.mark.parametrize("field, value", [
    ("Message", json.dumps(INBOUND_TWO_WAY_SMS | {"messageBody": "STOP"})),
    ("MessageId", "11111111-2222-3333-4444-555555555555"),
    ("TopicArn", "arn:aws:sns:us-east-1:123456789012:other"),
    ("Timestamp", (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")),
    ("Subject", "Injected"),
    ("Type", "SubscriptionConfirmation"),
])
def test_tampered_copies_are_403(post_sns, field, value):
    envelope = sign_envelope(json.dumps(INBOUND_TWO_WAY_SMS))
    envelope[field] = value
    if field == "Type":  # a confirmation needs these present to reach the signature check
        envelope |= {"Token": "t", "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Confirm"}
    assert post_sns.envelope(envelope).status_code == 403
    assert _nothing_stored()
    assert not InboundSms.objects.exists()


def test_forged_signature_is_403(post_sns):
    envelope = resign(sign_envelope(json.dumps(INBOUND_TWO_WAY_SMS)), key=other_private_key())
    assert post_sns.envelope(envelope).status_code == 403
    envelope["Signature"] = "not base64 at all!!"
    assert post_sns.envelope(envelope).status_code == 403
    envelope["Signature"] = ""
    assert post_sns.envelope(envelope).status_code == 403
    assert _nothing_stored()


@pytest.mark.parametrize("version", ["3", "0", "", "1.0"])
def test_unsupported_signature_version_is_403(post_sns, version):
    assert post_sns.message("x", signature_version=version)[0].status_code == 403
    assert _nothing_stored()


@pytest.mark.parametrize("url", [
    "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
    "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-test.pem",
    "https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
    "https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-test.pem",
    "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-test.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem?x=.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.txt",
    "https://sns.a.amazonaws.com/SimpleNotificationService-test.pem",
    "https://s3.amazonaws.com/SimpleNotificationService-test.pem",
    "file:///etc/ssl/cert.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem#frag",
])
def test_hostile_certificate_urls_are_403_and_never_fetched(post_sns, url):
    # no_network (via post_sns) turns any fetch into a test failure.
    assert post_sns.message("x", cert_url=url)[0].status_code == 403
    assert _nothing_stored()


@pytest.mark.parametrize("url", [
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-other.pem",
    # Passes the host rule, so it may only ever be downloaded from SNS, never read from disk.
    "https://sns.us-east-1.amazonaws.com/../../etc/passwd.pem",
])
def test_an_sns_host_certificate_that_is_not_ours_is_refused(post_sns, monkeypatch, url):
    from messaging.inbound import sns_verify as sns

    downloads = []
    monkeypatch.setattr(sns, "download_certificate", lambda u: downloads.append(u) or b"not a pem")
    assert post_sns.message("x", cert_url=url)[0].status_code == 403
    assert downloads == [url]
    assert _nothing_stored()


def test_topic_not_in_allow_list_is_403(post_sns, settings):
    settings.SNS_TOPIC_ARNS = ["arn:aws:sns:us-east-1:123456789012:only-this-one"]
    assert post_sns.message("x")[0].status_code == 403
    assert _nothing_stored()
    assert post_sns.message("x", topic_arn="arn:aws:sns:us-east-1:123456789012:only-this-one")[0].status_code == 200


def test_too_old_is_403(post_sns, settings):
    settings.SNS_MAX_AGE_SECONDS = 600
    old = datetime.now(UTC) - timedelta(seconds=601)
    assert post_sns.message("x", timestamp=old)[0].status_code == 403
    assert _nothing_stored()


def test_get_is_not_allowed(client, sns_certs):
    assert client.get("/sns/").status_code == 405


def test_the_endpoint_is_csrf_exempt_and_the_simulator_is_not(sns_certs, db, django_user_model):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/sns/", data=body(sign_envelope("x")), content_type="text/plain").status_code == 200
    user = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    strict.force_login(user)
    response = strict.post("/simulator/api/reply/", data={"phone": "+12065550100", "body": "hi"},
                           content_type="application/json")
    assert response.status_code == 403
    assert not InboundSms.objects.exists()


# --------------------------------------------------------------------------- subscriptions


def test_subscription_confirmation_waits_for_the_admin_when_auto_confirm_is_off(post_sns):
    response, envelope = post_sns.message("You have chosen to subscribe", type="SubscriptionConfirmation")
    assert response.status_code == 200
    n = SnsNotification.objects.get()
    assert (n.kind, n.status, n.confirmed_at) == (NotificationKind.SUBSCRIPTION, NotificationStatus.RECEIVED, None)
    assert n.subscribe_url == envelope["SubscribeURL"]


class FakeResponse:
    def __init__(self, status_code=200):
        self.status_code = status_code


def test_subscription_is_confirmed_automatically_by_fetching_subscribe_url(post_sns, settings, monkeypatch):
    settings.SNS_AUTO_CONFIRM = True
    settings.SNS_TOPIC_ARNS = [TOPIC_ARN]  # only a listed topic is ever confirmed automatically
    fetched = []
    monkeypatch.setattr(notifications.requests, "get",
                        lambda url, **kw: fetched.append((url, kw)) or FakeResponse(200))
    response, envelope = post_sns.message("subscribe", type="SubscriptionConfirmation")
    assert response.status_code == 200
    assert [u for u, _ in fetched] == [envelope["SubscribeURL"]]
    assert fetched[0][1]["allow_redirects"] is False
    n = SnsNotification.objects.get()
    assert n.status == NotificationStatus.PROCESSED and n.confirmed_at is not None


def test_auto_confirm_never_fetches_a_subscribe_url_off_the_sns_host(post_sns, settings):
    settings.SNS_AUTO_CONFIRM = True  # no_network fails the test if anything is fetched
    settings.SNS_TOPIC_ARNS = [TOPIC_ARN]
    response, _ = post_sns.message("subscribe", type="SubscriptionConfirmation",
                                   subscribe_url="https://evil.example/?Action=ConfirmSubscription")
    assert response.status_code == 200  # signed by SNS, stored, but not followed
    n = SnsNotification.objects.get()
    assert n.status == NotificationStatus.FAILED and "not an Amazon SNS" in n.error
    assert n.confirmed_at is None


def test_with_no_topics_listed_a_confirmation_is_stored_but_never_followed(post_sns, settings, caplog):
    # The attack: any AWS account subscribes the portal to a topic of its own. With the list
    # empty the portal must not confirm it, or that account could then send forged inbound SMS.
    settings.SNS_AUTO_CONFIRM = True
    settings.SNS_TOPIC_ARNS = []  # no_network fails the test if the SubscribeURL is fetched
    attacker_topic = "arn:aws:sns:us-east-1:999999999999:attacker"
    response, envelope = post_sns.message("subscribe", type="SubscriptionConfirmation", topic_arn=attacker_topic)
    assert response.status_code == 200  # an empty list accepts the topic; it just is not confirmed
    n = SnsNotification.objects.get()
    assert (n.kind, n.status, n.confirmed_at) == (NotificationKind.SUBSCRIPTION, NotificationStatus.RECEIVED, None)
    assert n.subscribe_url == envelope["SubscribeURL"]  # kept, for an admin who wants it
    assert "SNS_TOPIC_ARNS" in n.error
    assert any(attacker_topic in r.getMessage() and "SNS_TOPIC_ARNS" in r.getMessage() and r.levelname == "WARNING"
               for r in caplog.records)


def test_a_confirmation_for_an_unlisted_topic_is_403_stored_and_not_followed(post_sns, settings, caplog):
    settings.SNS_AUTO_CONFIRM = True
    settings.SNS_TOPIC_ARNS = [TOPIC_ARN]
    other = "arn:aws:sns:us-east-1:999999999999:attacker"
    response, envelope = post_sns.message("subscribe", type="SubscriptionConfirmation", topic_arn=other)
    assert response.status_code == 403
    n = SnsNotification.objects.get()
    assert (n.topic_arn, n.status, n.confirmed_at) == (other, NotificationStatus.RECEIVED, None)
    assert "add it to SNS_TOPIC_ARNS" in n.error
    assert any("add it to SNS_TOPIC_ARNS" in r.getMessage() for r in caplog.records)
    # A redelivery is the same answer and still one row.
    assert post_sns.envelope(envelope).status_code == 403
    assert SnsNotification.objects.count() == 1


def test_a_forged_confirmation_for_an_unlisted_topic_is_403_and_not_stored(post_sns, settings):
    settings.SNS_TOPIC_ARNS = [TOPIC_ARN]
    envelope = resign(sign_envelope("subscribe", type="SubscriptionConfirmation",
                                    topic_arn="arn:aws:sns:us-east-1:999999999999:attacker"), key=other_private_key())
    assert post_sns.envelope(envelope).status_code == 403
    assert _nothing_stored()


def test_with_no_topics_listed_a_local_run_accepts_notifications_from_any_topic(post_sns, settings):
    settings.SNS_TOPIC_ARNS = []
    for topic in (TOPIC_ARN, "arn:aws:sns:eu-west-1:210987654321:elsewhere"):
        assert post_sns.message("x", topic_arn=topic)[0].status_code == 200
    assert SnsNotification.objects.count() == 2


def test_unsubscribe_confirmation_is_recorded(post_sns):
    response, _ = post_sns.message("You have chosen to deactivate", type="UnsubscribeConfirmation")
    assert response.status_code == 200
    n = SnsNotification.objects.get()
    assert (n.kind, n.status) == (NotificationKind.UNSUBSCRIBE, NotificationStatus.PROCESSED)


# --------------------------------------------------------------------------- failures and re-runs


def test_a_failing_hook_does_not_fail_the_notification(post_sns, settings):
    sms()
    settings.DELIVERY_OUTCOME_HOOKS = ["tests.messaging.inbound.test_sns_endpoint.exploding_hook"]
    assert post_sns.message(SMS_EVENT_RECORD)[0].status_code == 200
    assert SnsNotification.objects.get().status == NotificationStatus.PROCESSED


def exploding_hook(*, event):
    raise RuntimeError("a subscriber's bug")


def test_a_processing_failure_is_recorded_answered_200_and_can_be_rerun(post_sns, monkeypatch):
    msg = sms()

    def broken(message):
        raise RuntimeError("database hiccup")

    # Parsing is the step both ingest paths (one statement on PostgreSQL, the ORM elsewhere) share.
    monkeypatch.setattr(notifications, "parse_provider_message", broken)
    response, envelope = post_sns.message(SMS_EVENT_RECORD)
    assert response.status_code == 200
    n = SnsNotification.objects.get()
    assert n.status == NotificationStatus.FAILED and "database hiccup" in n.error
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT

    # A redelivery does not process it either; the admin re-run does, once the cause is gone.
    post_sns.envelope(envelope)
    assert SnsNotification.objects.get().status == NotificationStatus.FAILED
    monkeypatch.undo()
    assert notifications.notification_reprocess(notification=n) == NotificationStatus.PROCESSED
    msg.refresh_from_db()
    assert msg.status == MessageStatus.DELIVERED
    assert notifications.notification_reprocess(notification=n) is None  # done: not again
    assert DeliveryEvent.objects.count() == 1


def test_signed_with_the_real_cert_url_shape(post_sns):
    # The test certificate is served from SNS_CERT_DIR under the name in an SNS-shaped URL.
    assert CERT_URL.startswith("https://sns.us-east-1.amazonaws.com/")
    assert post_sns.message("x")[0].status_code == 200


# --------------------------------------------------------------------------- the database fails


def test_a_database_failure_is_503_so_sns_delivers_again_and_nothing_half_is_stored(post_sns, locmem):
    def refused(execute, sql, params, many, context):
        if "SAVEPOINT" in sql:  # the transaction's own bookkeeping still runs
            return execute(sql, params, many, context)
        raise OperationalError("connection to server failed: Connection refused")

    envelope = sign_envelope(json.dumps(INBOUND_TWO_WAY_SMS | {"messageBody": "HELP"}))
    with connection.execute_wrapper(refused):
        response = post_sns.envelope(envelope)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert not SnsNotification.objects.exists() and not InboundSms.objects.exists()
    # SNS's retry, once the database answers, is processed as if it were the first delivery.
    response = post_sns.envelope(envelope)
    assert response.status_code == 200 and response.content.startswith(b"stored")
    assert InboundSms.objects.get().body == "HELP"
    assert [m.recipient for m in locmem.outbox] == [INBOUND_TWO_WAY_SMS["originationNumber"]]
