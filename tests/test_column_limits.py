"""No API or form accepts more text than the column it is written to holds.

A serializer that accepted 1,000 characters for a 500-character column answered 500 on
PostgreSQL and stored nothing (SQLite ignores lengths, so only PostgreSQL shows it). This walks
every DRF serializer and every form the project defines, and every admin's form as the admin
builds it, and fails when a text field's limit exceeds its column's, or is missing where the
column has one. A plain serializer's fields say nothing of where they go, so each is listed
here with its column, or with why it is no column at all: a new field fails until it is.
"""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from import_export.admin import ImportMixin
from rest_framework import serializers

from messaging.models import ApiKey, Contact, InboundSms, NotificationStatus, SnsNotification
from shifts.models import Shift

APPS = ("portal", "incidents", "shifts", "messaging", "oncall")
TEXT = None  # a column without a length: TextField or JSONField

# Plain serializers' text fields → the column each is written to ("app.Model.field").
WRITES = {
    "incidents.alerts.serializers.GenericAlertSerializer": {
        "summary": "incidents.Incident.description", "details": "incidents.Incident.description",
        "url": "incidents.Incident.url", "dedup_key": "incidents.Alert.dedup_key",
        "severity": "incidents.Alert.body"},
    "incidents.alerts.serializers.AlertmanagerSerializer": {
        # The body is stored whole; only the key gets a column of its own. The summary (an
        # annotation) is cut to fit the incident's description, and a URL reaches Incident.url
        # only if it fits (incidents.alerts.alertmanager).
        "groupKey": "incidents.Alert.dedup_key", "receiver": "incidents.Alert.body",
        "commonLabels[]": "incidents.Alert.body", "commonAnnotations[]": "incidents.Alert.body",
        "externalURL": "incidents.Alert.body"},
    "messaging.api.serializers.ContactSerializer": {
        "name": "messaging.Contact.name", "phone": "messaging.Contact.phone", "email": "messaging.Contact.email",
        "whatsapp": "messaging.Contact.whatsapp", "tags[]": "messaging.Tag.name",
        "time_zone": "messaging.Contact.time_zone", "locale": "messaging.Contact.locale"},
    "messaging.audience.bulk_api.BulkSendCreateSerializer": {
        "name": "messaging.BulkSend.name", "message": "messaging.BulkSend.template",
        "template": "messaging.BulkSend.template_name", "subject": "messaging.BulkSend.subject",
        "topic": "messaging.BulkSend.topic"},
    "messaging.api.attachments.AttachmentSerializer": {
        "filename": "messaging.Attachment.filename", "content_type": "messaging.Attachment.content_type",
        "content_base64": "messaging.Attachment.content"},
    "messaging.audience.bulk_api.ConfirmSerializer": {
        "answers[]": "messaging.BulkRecipient.answer", "reply": "messaging.BulkSend.confirm",
        "reminder_message": "messaging.BulkSend.confirm", "summary_to": "messaging.BulkSend.confirm"},
    "messaging.audience.bulk_api.EnrichmentSerializer": {"url": "messaging.BulkSend.enrichment"},
    "messaging.templates.api.TemplateSerializer": {
        "name": "messaging.Template.name", "description": "messaging.Template.description",
        "placeholders[]": "messaging.Template.placeholders"},
    "messaging.templates.api.VariantSerializer": {
        "locale": "messaging.TemplateVariant.locale", "body": "messaging.TemplateVariant.body",
        "subject": "messaging.TemplateVariant.subject", "html": "messaging.TemplateVariant.html",
        "whatsapp_template": "messaging.TemplateVariant.whatsapp_template",
        "whatsapp_language": "messaging.TemplateVariant.whatsapp_language",
        "whatsapp_parameters[]": "messaging.TemplateVariant.whatsapp_parameters"},
    "messaging.topics.api.TopicSerializer": {
        "name": "messaging.Topic.name", "description": "messaging.Topic.description"},
    "shifts.serializers.AllowListSerializer": {"phone": "messaging.AllowListEntry.phone"},
    "messaging.email_in.api.AutoReplySerializer": {
        "match": "messaging.EmailAutoReply.match", "subject_prefix": "messaging.EmailAutoReply.subject_prefix",
        "text": "messaging.EmailAutoReply.text", "html": "messaging.EmailAutoReply.html"},
    "messaging.omnichannel.serializers.EmailPartSerializer": {
        "subject": "messaging.OutboundMessage.subject", "text": "messaging.OutboundMessage.body",
        "html": "messaging.OutboundMessage.options", "template": "messaging.OutboundMessage.options",
        "configuration_set": "messaging.OutboundMessage.options"},
    "messaging.omnichannel.serializers.SmsPartSerializer": {
        "message": "messaging.OutboundMessage.body", "message_type": "messaging.OutboundMessage.options",
        "configuration_set": "messaging.OutboundMessage.options"},
    "messaging.omnichannel.serializers.WhatsAppPartSerializer": {"message": "messaging.OutboundMessage.body"},
    "messaging.omnichannel.serializers.ChannelPayloadSerializer": {
        "sender": "messaging.OutboundMessage.sender", "recipient": "messaging.OutboundMessage.recipient"},
    "incidents.api.IncidentCreateSerializer": {
        "description": "incidents.Incident.description", "url": "incidents.Incident.url",
        "contacts[]": "messaging.Contact.phone", "first_contact": "messaging.Contact.phone",
        "second_contact": "messaging.Contact.phone"},
    "incidents.api.IncidentResolveSerializer": {"resolved_by": "incidents.Incident.resolved_by"},
    "incidents.api.PolicyLevelSerializer": {"contacts[]": "messaging.Contact.phone"},
    "incidents.api.PolicyCreateSerializer": {"name": "incidents.EscalationPolicy.name"},
    "incidents.heartbeats.api.HeartbeatCreateSerializer": {"name": "incidents.Heartbeat.name"},
    "shifts.serializers.ShiftSerializer": {
        "code": "shifts.Shift.code", "info": "shifts.Shift.info", "location": "shifts.Shift.location"},
    "shifts.serializers.ShiftCampaignSerializer": {
        "name": "shifts.ShiftCampaign.name", "message": "shifts.ShiftCampaign.message",
        "template": "shifts.ShiftCampaign.template"},
    "oncall.serializers.ScheduleCreateSerializer": {
        "name": "oncall.Schedule.name", "time_zone": "oncall.Schedule.time_zone",
        "members[]": "messaging.Contact.phone"},
    "oncall.serializers.OverrideCreateSerializer": {
        "phone": "messaging.Contact.phone", "note": "oncall.ScheduleOverride.note"},
}
# Text fields that are written to no column, and why.
NOT_STORED = {
    "messaging.audience.bulk_api.BulkSendCreateSerializer": {"tag": "names an existing tag",
                                                             "attachment_column": "names a recipients' column"},
    "messaging.audience.bulk_api.QuietHoursSerializer": {"start": "parsed into a time", "end": "parsed into a time"},
    "messaging.api.serializers.MessageLogQuerySerializer": {"recipient": "a filter", "status": "a filter"},
    "shifts.serializers.ShiftCampaignSerializer": {"tag": "names an existing tag", "shifts[]": "name shifts",
                                                   "topic": "names an existing topic"},
    "oncall.serializers.ScheduleCreateSerializer": {"handoff": "parsed into a datetime"},
    "oncall.serializers.CalendarFeedCreateSerializer": {"phone": "names an existing member"},
}
# Serializers that only describe replies (documentation for the schema); nothing is read through them.
REPLIES = {
    "messaging.api.serializers.MessageLogSerializer",
    "messaging.omnichannel.serializers.AttemptSerializer",
    "messaging.omnichannel.serializers.FallbackSerializer",
    "messaging.omnichannel.serializers.DispatchSerializer",
    "incidents.alerts.api.AlertReplySerializer",
    "incidents.alerts.api.AlertAcceptedSerializer",
    "incidents.api.IncidentSerializer",
    "incidents.heartbeats.api.HeartbeatCreatedSerializer",
    "incidents.heartbeats.api.HeartbeatSerializer",
    "shifts.serializers.ShiftCampaignCreatedSerializer",
    "messaging.audience.api.ImportRunSerializer",
}
# Plain forms' text fields → column (or NOT_STORED reason).
FORM_WRITES = {
    "messaging.admin.bulk.BulkUploadForm": {"message": "messaging.BulkSend.template"},
    "oncall.admin.OverrideForm": {"note": "oncall.ScheduleOverride.note"},
    "messaging.admin.conversations.AnswerForm": {"body": "messaging.OutboundMessage.body"},
}


def _import_everything():
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _ours(cls) -> bool:
    return cls.__module__.split(".")[0] in APPS


def _name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _column(path: str):
    app, model, field = path.split(".")
    return apps.get_model(app, model)._meta.get_field(field)


def _limit(column):
    return column.max_length if column.get_internal_type() in ("CharField", "EmailField", "URLField",
                                                                "SlugField") else TEXT


def _too_long(accepts, column) -> bool:
    limit = _limit(column)
    return limit is not TEXT and (accepts is None or accepts > limit)


def _text_fields(serializer: serializers.Serializer, prefix=""):
    """(path, field) for each writable text field, nested serializers included (they are walked on their own)."""
    for name, field in serializer.fields.items():
        if field.read_only or isinstance(field, serializers.BaseSerializer):
            continue
        child = getattr(field, "child", None)
        if isinstance(child, serializers.CharField):
            yield f"{prefix}{name}[]", child
        elif isinstance(field, serializers.CharField) and not isinstance(field, serializers.ChoiceField):
            yield f"{prefix}{name}", field


def _serializers():
    _import_everything()
    return sorted({c for c in _subclasses(serializers.Serializer) if _ours(c) and "<locals>" not in c.__qualname__},
                  key=_name)


def test_every_serializer_text_field_fits_the_column_it_is_written_to():
    problems, unknown = [], []
    for cls in _serializers():
        name = _name(cls)
        if name in REPLIES:
            continue
        model = getattr(getattr(cls, "Meta", None), "model", None)
        for path, field in _text_fields(cls()):
            if model is not None:
                column = model._meta.get_field(field.source)
            elif path in WRITES.get(name, {}):
                column = _column(WRITES[name][path])
            elif path in NOT_STORED.get(name, {}):
                continue
            else:
                unknown.append(f"{name}.{path}")
                continue
            if _too_long(field.max_length, column):
                problems.append(f"{name}.{path} accepts {field.max_length or 'any length'}; "
                                f"{column.model.__name__}.{column.name} holds {column.max_length}")
    assert unknown == [], "say which column these are written to (WRITES) or why none (NOT_STORED)"
    assert problems == [], "\n".join(problems)


def test_the_lists_name_only_fields_that_exist():
    names = {_name(c): c for c in _serializers()}
    for table in (WRITES, NOT_STORED):
        for name, fields in table.items():
            assert set(fields) <= {p for p, _ in _text_fields(names[name]())}, name
            for path in fields.values() if table is WRITES else ():
                _column(path)
    assert REPLIES <= set(names)


@pytest.mark.django_db
def test_every_admin_form_fits_its_columns(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    problems = []
    for model, model_admin in admin.site._registry.items():
        if not _ours(model):
            continue
        built = [(model, model_admin.get_form(request))]
        built += [(inline.model, inline.get_formset(request).form)
                  for inline in model_admin.get_inline_instances(request)]
        for target, form in built:
            for name, field in form.base_fields.items():
                if not isinstance(field, forms.CharField):
                    continue
                try:
                    column = target._meta.get_field(name)
                except Exception:  # a form field of the admin's own, not a column
                    continue
                if not getattr(column, "concrete", False) or column.is_relation:
                    continue
                if _too_long(field.max_length, column):
                    problems.append(f"{type(model_admin).__name__} {name}: accepts {field.max_length}, "
                                    f"{target.__name__}.{name} holds {column.max_length}")
    assert problems == [], "\n".join(problems)


def test_every_plain_form_text_field_fits_its_column():
    _import_everything()
    problems, unknown = [], []
    for cls in sorted({c for c in _subclasses(forms.Form) if _ours(c)}, key=_name):
        for name, field in cls.base_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            if name not in FORM_WRITES.get(_name(cls), {}):
                unknown.append(f"{_name(cls)}.{name}")
                continue
            column = _column(FORM_WRITES[_name(cls)][name])
            if _too_long(field.max_length, column):
                problems.append(f"{_name(cls)}.{name}: accepts {field.max_length}, {column.name} holds "
                                f"{column.max_length}")
    assert unknown == [] and problems == []



def test_every_admin_that_imports_rows_checks_them_against_the_model_first():
    """django-import-export writes rows unchecked unless ``clean_model_instances`` runs full_clean,
    which is what holds each value to its column (and to the model's other rules)."""
    importing = [(type(a).__name__, r) for a in admin.site._registry.values() if isinstance(a, ImportMixin)
                 for r in a.get_import_resource_classes(None)]
    assert importing, "the shifts admin imports CSV; the walk must find it"
    assert [name for name, r in importing if not r._meta.clean_model_instances] == []


# ------------------------------------------------- each kind fixed, at its column's length on PostgreSQL


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_shift_code_longer_than_its_column_is_a_400_naming_the_code(api):
    response = api.post("/api/v1/shifts/", {"code": "X" * 21, "info": "night"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    ok = api.post("/api/v1/shifts/", {"code": "X" * 20, "info": "i" * 300, "location": "l" * 200}, format="json")
    assert ok.status_code == 201, ok.content
    assert Shift.objects.get().code == "X" * 20


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_contacts_csv_is_checked_against_its_columns_and_stored_whole_up_to_them(api):
    name, tag = "N" * 200, "t" * 64
    email = f"{'e' * 64}@{'d' * 63}.{'d' * 63}.{'d' * 57}.org"
    assert len(email) == 254
    good = f"name,phone,email,tags\n{name},+12065550100,{email},{tag}\n"
    response = api.post("/api/v1/contacts/import/", good.encode(), content_type="text/csv")
    assert response.status_code == 200, response.content
    contact = Contact.objects.get()
    assert (contact.name, contact.email, [t.name for t in contact.tags.all()]) == (name, email, [tag])
    bad = f"name,phone,tags\n{name}N,+12065550101,{tag}t\n"
    response = api.post("/api/v1/contacts/import/", bad.encode(), content_type="text/csv")
    assert response.status_code == 400
    assert {(e["line"], e["field"]) for e in response.json()["errors"]} == {(2, "name"), (2, "tags")}
    assert Contact.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_api_key_name_longer_than_its_column_is_refused_by_the_command():
    with pytest.raises(CommandError, match="At most 100 characters"):
        call_command("create_api_key", "k" * 101)
    call_command("create_api_key", "k" * 100)
    assert list(ApiKey.objects.values_list("name", flat=True)) == ["k" * 100]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_simulated_reply_whose_first_word_is_longer_than_the_keyword_column_is_still_handled(admin_client):
    link = "https://grafana.example.org/d/" + "x" * 100
    response = admin_client.post("/simulator/api/reply/", data=json.dumps({"phone": "+12065550188", "body": link}),
                                 content_type="application/json")
    assert response.status_code == 200, response.content
    inbound = InboundSms.objects.get()
    assert inbound.body == link and inbound.raw["messageKeyword"] == link.upper()
    assert SnsNotification.objects.get().status == NotificationStatus.PROCESSED
