"""Topics and preferences: who gets a topic on a channel, a topic email's List-Unsubscribe, the
one-click POST, and the person's own page by a signed link that expires."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.utils import timezone

from messaging.models import Contact, ContactPreference, OptOut, OutboundMessage, Suppression, SuppressionReason, Topic
from messaging.templates.sending import templated_send
from messaging.templates.services import template_save
from messaging.topics.links import preferences_url
from messaging.topics.preferences import preference_set, topic_allowed_ids, topic_allows

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return Contact.objects.create(name="Ana Ruiz", phone="+12065550101", email="ana@example.org")


@pytest.fixture
def news():
    return Topic.objects.create(name="newsletter")


def test_the_order_legal_opt_out_then_required_then_topic_channel_then_topic_then_channel_default(ana, news):
    required = Topic.objects.create(name="incidents", required=True)
    assert topic_allows(ana, news, "email") is True  # nothing said: yes

    preference_set(contact=ana, topic=None, channel="email", allowed=False)  # no email at all, by default
    assert topic_allows(ana, news, "email") is False
    preference_set(contact=ana, topic=news, channel="", allowed=True)  # but this topic, on any channel
    assert topic_allows(ana, news, "email") is True
    preference_set(contact=ana, topic=news, channel="email", allowed=False)  # except by email
    assert (topic_allows(ana, news, "email"), topic_allows(ana, news, "sms")) == (False, True)
    assert topic_allows(ana, required, "email") is True  # a required topic ignores preferences

    preference_set(contact=ana, topic=news, channel="sms", allowed=True)
    OptOut.objects.create(phone=ana.phone, keyword="STOP", source="sms", opted_out_at=timezone.now())
    Suppression.objects.create(address=ana.email, reason=SuppressionReason.BOUNCE)
    assert topic_allows(ana, news, "sms") is False  # STOP wins over a yes
    assert topic_allows(ana, required, "sms") is False  # and over a required topic
    assert topic_allows(ana, required, "email") is False  # as does a suppressed address


def test_the_bulk_selector_answers_for_many_in_two_queries(ana, news, django_assert_max_num_queries):
    ben = Contact.objects.create(name="Ben", phone="+12065550102", email="ben@example.org")
    preference_set(contact=ben, topic=news, channel="email", allowed=False)

    with django_assert_max_num_queries(2):
        assert topic_allowed_ids([ana, ben], news, "email") == {ana.pk}


def test_a_topic_email_skips_who_opted_out_and_carries_list_unsubscribe(ana, news):
    ben = Contact.objects.create(name="Ben", phone="+12065550102", email="ben@example.org")
    preference_set(contact=ben, topic=news, channel="email", allowed=False)
    template_save(name="monthly", variants=[{"channel": "email", "subject": "News", "body": "Hi {first_name}. "
                                             "Your choices: {preferences_url}"}])

    sent = templated_send(template_name="monthly", channel="email", contacts=[ana, ben], topic=news)

    assert [m.recipient for m in sent] == ["ana@example.org"]
    headers = {h["Name"]: h["Value"] for h in sent[0].options["headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https?://[^>]+/preferences/unsubscribe/[^>]+/>", headers["List-Unsubscribe"])
    assert "/preferences/" in sent[0].body and sent[0].body.startswith("Hi Ana. Your choices: http")


def test_list_unsubscribe_also_offers_a_mailto_when_configured(ana, news, settings):
    settings.UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
    template_save(name="monthly", variants=[{"channel": "email", "subject": "News", "body": "Hi"}])

    sent = templated_send(template_name="monthly", channel="email", contacts=[ana], topic=news)

    value = next(h["Value"] for h in sent[0].options["headers"] if h["Name"] == "List-Unsubscribe")
    https, mailto = value.split(", ")
    assert https.startswith("<http") and mailto.startswith("<mailto:unsubscribe@example.com?subject=unsubscribe%20")


def test_the_one_click_post_opts_out_of_that_topic_by_email_at_once(client, ana, news):
    template_save(name="monthly", variants=[{"channel": "email", "subject": "News", "body": "Hi"}])
    [message] = templated_send(template_name="monthly", channel="email", contacts=[ana], topic=news)
    url = next(h["Value"] for h in message.options["headers"] if h["Name"] == "List-Unsubscribe").strip("<>")
    path = url.split("://", 1)[1].split("/", 1)[1]

    assert client.get("/" + path).status_code == 200  # a link scanner's GET changes nothing
    assert topic_allows(ana, news, "email") is True
    response = client.post("/" + path, "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert topic_allows(ana, news, "email") is False and topic_allows(ana, news, "sms") is True
    assert templated_send(template_name="monthly", channel="email", contacts=[ana], topic=news) == []


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_preferences_page_opens_by_its_signed_link_and_saves_without_javascript(client, ana, news):
    Topic.objects.create(name="incidents", required=True)
    page = client.get(_path(preferences_url(contact=ana)))

    html = page.content.decode()
    assert page.status_code == 200
    assert "newsletter" in html and "incidents" in html and "STOP" in html  # how to opt out of everything
    assert 'name="viewport"' in html and "<script" not in html
    assert f'value="{news.pk}:sms" checked' in html and f'value="{news.pk}:email"' in html

    saved = client.post(_path(preferences_url(contact=ana)), {"allow": [f"{news.pk}:sms"]})

    assert saved.status_code == 200 and "Saved" in saved.content.decode()
    assert (topic_allows(ana, news, "sms"), topic_allows(ana, news, "email")) == (True, False)


def test_an_expired_or_altered_link_is_refused_and_changes_nothing(client, ana, news, settings):
    settings.PREFERENCES_LINK_DAYS = 30
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 31 * 86400):
        old = _path(preferences_url(contact=ana))

    expired = client.post(old, {"allow": []})
    altered = client.get(_path(preferences_url(contact=ana))[:-3] + "xyz/")

    assert expired.status_code == 403 and "expired" in expired.content.decode()
    assert altered.status_code == 403
    assert not ContactPreference.objects.exists()


def test_the_preferences_url_placeholder_in_an_sms_is_a_working_link(client, ana):
    template_save(name="hello", variants=[{"channel": "sms", "body": "Choose here: {preferences_url}"}])

    [message] = templated_send(template_name="hello", channel="sms", contacts=[ana])

    url = message.body.split(": ", 1)[1]
    assert client.get(_path(url)).status_code == 200
    assert OutboundMessage.objects.get().recipient == ana.phone


def test_topic_opted_out_names_the_addresses_a_bulk_send_skips(ana, news):
    ben = Contact.objects.create(name="Ben", phone="+12065550102", email="Ben@Example.org")
    preference_set(contact=ben, topic=news, channel="email", allowed=False)
    preference_set(contact=ana, topic=news, channel="sms", allowed=False)
    from messaging.topics.preferences import topic_opted_out

    assert topic_opted_out(topic="newsletter", channel="email",
                           addresses=["ana@example.org", "ben@example.org", "x@example.org"]) == {"ben@example.org"}
    assert topic_opted_out(topic="newsletter", channel="sms", addresses=[ana.phone, ben.phone]) == {ana.phone}
    assert topic_opted_out(topic="no such topic", channel="sms", addresses=[ana.phone]) == set()
