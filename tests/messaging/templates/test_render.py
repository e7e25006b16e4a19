"""Which variant a person gets, and the portal's own texts as default templates."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident
from incidents.texts import incident_page_text, incident_wording
from messaging.models import Contact
from messaging.templates.render import TemplateNotFound, template_placeholders, template_render
from messaging.templates.services import TemplateInvalid, template_save
from messaging.values.locales import locale_normalize

pytestmark = pytest.mark.django_db

GREETING = [
    {"channel": "sms", "body": "Hello {first_name}"},
    {"channel": "sms", "locale": "es", "body": "Hola {first_name}"},
    {"channel": "sms", "locale": "es-MX", "body": "Qué onda {first_name}"},
    {"channel": "email", "body": "Hello {name}", "subject": "Hi", "html": "<p>Hello {name}</p>"},
]


def person(phone: str, locale: str = "", name: str = "Ana Ruiz") -> Contact:
    return Contact.objects.create(name=name, phone=phone, locale=locale, email=f"{phone[1:]}@example.org")


def test_exact_locale_then_its_language_then_the_default():
    template_save(name="greeting", variants=GREETING)
    got = {loc: template_render(template_name="greeting", channel="sms", contact=person(phone, loc)).body
           for loc, phone in (("es-MX", "+12065550101"), ("es-AR", "+12065550102"), ("fr", "+12065550103"),
                              ("", "+12065550104"))}

    assert got == {"es-MX": "Qué onda Ana", "es-AR": "Hola Ana", "fr": "Hello Ana", "": "Hello Ana"}


def test_an_email_variant_renders_subject_text_and_html_from_the_contact():
    template_save(name="greeting", variants=GREETING)

    rendered = template_render(template_name="greeting", channel="email", contact=person("+12065550101", "es-MX"))

    assert (rendered.subject, rendered.body, rendered.html) == ("Hi", "Hello Ana Ruiz", "<p>Hello Ana Ruiz</p>")
    assert rendered.variant.locale == ""


def test_an_unknown_placeholder_is_refused_before_anything_is_saved():
    with pytest.raises(TemplateInvalid) as caught:
        template_save(name="bad", variants=[{"channel": "sms", "body": "Hi {name}"},
                                            {"channel": "sms", "locale": "es", "body": "Hola {nombre}"}])

    assert list(caught.value.detail["variants"]) == ["1"]
    assert "{nombre}" in caught.value.detail["variants"]["1"]["body"][0]
    with pytest.raises(TemplateNotFound):
        template_render(template_name="bad", channel="sms")


def test_declared_placeholders_are_allowed_and_listed_for_a_bulk_send_to_check():
    template_save(name="shift offer", placeholders=["shift"], variants=[{"channel": "sms", "body": "{name}: {shift}"}])

    assert template_placeholders(template_name="shift offer") == {"name", "shift"}
    assert template_render(template_name="shift offer", channel="sms", context={"name": "Bo", "shift": "A1"}).body \
        == "Bo: A1"


def test_no_variant_for_the_channel_says_so():
    template_save(name="greeting", variants=GREETING)

    with pytest.raises(ValidationError, match="no voice variant"):
        template_render(template_name="greeting", channel="voice")


def test_locales_are_written_in_their_canonical_case_and_nonsense_is_refused():
    assert locale_normalize("ES_mx") == "es-MX"
    assert locale_normalize("zh-hant-tw") == "zh-Hant-TW"
    with pytest.raises(ValidationError):
        locale_normalize("spanish please")


def test_the_incident_page_is_a_default_template_with_a_spanish_variant_and_a_row_rewords_it():
    incident = Incident(pk=12, description="Gas smell")
    ref = incident.reference
    assert incident_page_text(incident=incident, locale="es-MX", variants=incident_wording()).splitlines() == [
        f"[#{ref}] Gas smell", f"Responda YES {ref} para aceptar, NO {ref} para rechazar"]

    template_save(name="incident.page", variants=[{"channel": "sms", "locale": "es", "body": "#{ref} {description}"}])

    assert incident_page_text(incident=incident, locale="es", variants=incident_wording()) == f"#{ref} Gas smell"
    english = incident_page_text(incident=incident, variants=incident_wording())  # the default stays built in
    assert english.endswith(f"Reply YES {ref} to accept, NO {ref} to decline")


def test_a_reserved_name_takes_only_its_own_placeholders():
    with pytest.raises(TemplateInvalid):
        template_save(name="incident.page", variants=[{"channel": "sms", "body": "{ref} {shift}"}])


def test_the_on_call_and_shift_texts_are_default_templates_an_operator_can_reword():
    from oncall.texts import not_on_a_schedule_text
    from shifts.texts import shift_reply_text

    assert not_on_a_schedule_text() == "You are not on any on-call schedule."
    assert "not a valid shift code" in shift_reply_text("unknown_code")
    template_save(name="shift.unknown_code", variants=[
        {"channel": "sms", "locale": "es", "body": "Ese no es un codigo de turno (not a valid shift code)."}])

    assert shift_reply_text("unknown_code", locale="es-MX").startswith("Ese no es")
    assert "not a valid shift code" in shift_reply_text("unknown_code")  # English stays built in
    assert not_on_a_schedule_text(locale="es") == "Usted no esta en ningun turno de guardia."


def test_a_default_templates_module_that_does_not_import_is_named_at_start_up(settings):
    from messaging.checks import builtin_templates_check

    assert builtin_templates_check(None) == []
    settings.BUILTIN_TEMPLATES = ["incidents.texts.BUILTIN_TEMPLATES", "incidents.texts.NO_SUCH"]
    errors = builtin_templates_check(None)
    assert [e.id for e in errors] == ["messaging.E020"] and "incidents.texts.NO_SUCH" in errors[0].msg
