"""A template sent to many contacts: each gets their own variant, and a topic skips who opted out.

What a campaign or a bulk send calls with a template's name. Per contact: the locale's variant
(render.py), the topic's preferences (topics/preferences.py, read for all of them at once), and
for email about a topic the List-Unsubscribe headers (RFC 8058) in the message's options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models

from messaging.models import Contact, OutboundMessage, Topic
from messaging.outbound.send import message_send
from messaging.templates.render import Rendered, template_render, template_variants
from messaging.topics.links import list_unsubscribe_headers
from messaging.topics.preferences import contact_address, topic_allowed_ids


@dataclass
class TemplatedMessage:
    contact: Contact
    recipient: str
    rendered: Rendered
    options: dict = field(default_factory=dict)


def templated_messages(*, template_name: str, channel: str, contacts: list[Contact], topic: Topic | None = None,
                       context_for: Callable[[Contact], dict] | None = None
                       ) -> tuple[list[TemplatedMessage], list[Contact]]:
    """(the message each contact gets, the contacts the topic skips: opted out, or no address).

    ``context_for(contact)`` adds per-contact values (a bulk send's file columns). Raises the
    render's ValidationError (TemplateNotFound, TemplateRefused) before anything is sent.
    """
    variants = template_variants(template_name)  # once for the whole audience
    allowed = topic_allowed_ids(contacts, topic, channel)
    ready, skipped = [], []
    for contact in contacts:
        recipient = contact_address(contact, channel)
        if contact.pk not in allowed or not recipient:
            skipped.append(contact)
            continue
        rendered = template_render(template_name=template_name, channel=channel, contact=contact, variants=variants,
                                   context=context_for(contact) if context_for else None)
        options: dict = {}
        if rendered.html:
            options["html"] = rendered.html
        if rendered.whatsapp:
            options["template"] = rendered.whatsapp
            options["language"] = rendered.whatsapp["language"]["code"]
        if channel == "email" and topic is not None and not topic.required:
            options["headers"] = list_unsubscribe_headers(contact=contact, topic=topic)
        ready.append(TemplatedMessage(contact=contact, recipient=recipient, rendered=rendered, options=options))
    return ready, skipped


def templated_send(*, template_name: str, channel: str, contacts: list[Contact], topic: Topic | None = None,
                   owner: models.Model | None = None,
                   context_for: Callable[[Contact], dict] | None = None) -> list[OutboundMessage]:
    """Send ``template_name`` to each contact the topic allows; returns the messages logged."""
    ready, _ = templated_messages(template_name=template_name, channel=channel, contacts=contacts, topic=topic,
                                  context_for=context_for)
    return [message_send(channel=channel, recipient=m.recipient, body=m.rendered.body, subject=m.rendered.subject,
                         options=m.options or None, owner=owner) for m in ready]
