"""What archiving takes out of the database, read from the models themselves.

The archive deletes four kinds of row, each by the day of its own timestamp: messages (the
message log), inbound messages, stored SNS notifications, and nothing else on its own. Rows
that cannot outlive their message go in the same batch and file day as it: its delivery events
and its omnichannel dispatch attempt. Every other row that points at an archived row (an
incident's timeline entry, an on-call notice, a retry of a message, a bulk send's notification)
stays, loses the pointer when its target is deleted (``on_delete=SET_NULL``), and the pointer
is written to the archive as a *link*, which ``restore_archive`` puts back.

``archive_plan()`` builds this from ``_meta``: every relation to an archived model, in every
installed app, must be one of the two. A model added later with any other kind of relation (a
CASCADE, PROTECT, a GenericRelation) makes archiving refuse to run rather than delete or lose
what the archive does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models

from messaging.models import DeliveryEvent, DispatchAttempt, InboundSms, OutboundMessage, SnsNotification


class ArchivePlanError(Exception):
    """A model points at an archived table in a way archiving does not know how to keep."""


@dataclass(frozen=True)
class Table:
    name: str  # the folder of its files
    model: type[models.Model]
    day_field: str | None = None  # a lead's own timestamp, whose day files the row
    parent: str | None = None  # a follower's foreign key to its lead; it goes where its lead goes


@dataclass(frozen=True)
class Unit:
    """A lead table and its followers: one batch is some lead rows and every follower row of theirs."""

    lead: Table
    followers: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Link:
    """A nullable foreign key to an archived model, kept by writing it down before it is nulled."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def target(self) -> type[models.Model]:
        return self.field.related_model


@dataclass(frozen=True)
class Plan:
    units: tuple[Unit, ...]
    links: tuple[Link, ...]

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every archived table, each before the tables that point at it (the order to restore in)."""
        leads = {u.lead.model: u.lead for u in self.units}
        followers = [f for u in self.units for f in u.followers]
        order = [leads[SnsNotification], leads[OutboundMessage], leads[InboundSms]]
        return tuple(order + [t for t in leads.values() if t not in order] + followers)

    def links_to(self, model: type[models.Model]) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.target is model)

    def links_from(self, model: type[models.Model]) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.model is model)


# Messages go first: their batches take their events' notifications' referrers with them, and
# the notifications, last, then have fewest pointers left to write down.
UNITS = (
    Unit(Table("outboundmessage", OutboundMessage, day_field="created_at"),
         (Table("deliveryevent", DeliveryEvent, parent="message"),
          Table("dispatchattempt", DispatchAttempt, parent="message"))),
    Unit(Table("inboundsms", InboundSms, day_field="received_at")),
    Unit(Table("snsnotification", SnsNotification, day_field="received_at")),
)


def relations_to_archived() -> list[tuple[type[models.Model], models.Field, type[models.Model]]]:
    """Every (model, field, archived model) where ``field`` of ``model`` points at an archived
    model: foreign keys and one-to-ones of every installed model, and generic relations."""
    archived = {t.model for u in UNITS for t in (u.lead, *u.followers)}
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_hidden=True):
            if isinstance(field, GenericRelation) and model in archived:
                found.append((field.related_model, field, model))
            elif field.concrete and field.is_relation and field.related_model in archived:
                found.append((model, field, field.related_model))
    return found


@cache
def archive_plan() -> Plan:
    followers = {(t.model, t.parent) for u in UNITS for t in u.followers}
    links, unknown = [], []
    for model, field, target in relations_to_archived():
        if (model, field.name) in followers:
            continue
        if (isinstance(field, models.ForeignKey) and field.null
                and field.remote_field.on_delete is models.SET_NULL):
            links.append(Link(model, field))
        else:
            unknown.append(f"{model._meta.label}.{field.name} -> {target._meta.label}")
    if unknown:
        raise ArchivePlanError("archiving does not know how to keep " + ", ".join(unknown)
                               + ": make it a nullable SET_NULL foreign key, or a follower in "
                               "messaging.history.archive.plan.UNITS")
    return Plan(UNITS, tuple(links))
