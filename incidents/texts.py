"""What incidents say by SMS (and voice, and the final action's email): every wording in one place.

Texts are pure functions of an incident and a few names, so the admin's live
preview, the services and the reply handler render the same words, and changing a wording never
touches a transition. The outcomes written on the inbound row (for the message log, not for the
phone) stay beside the transitions that decide them.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from incidents.models import FinalAction, Incident
from messaging.outbound.wording import sentence
from messaging.templates.builtin import BuiltinTemplate, BuiltinVariant
from messaging.templates.render import Variant, builtin_variants, template_render, template_variants

# Replies to a YES or NO, sent back to whoever answered; ``{ref}`` is the incident's reference.
REPLY_ALREADY_RESOLVED = "[#{ref}] Already resolved. Thanks."
REPLY_ALREADY_YOURS = "[#{ref}] It's already yours."
REPLY_ALREADY_TAKEN = "[#{ref}] Already taken by {name}. No action needed."
REPLY_ACCEPTED = "[#{ref}] Thanks {name}, it's yours."
REPLY_ALREADY_ESCALATED = "[#{ref}] Thanks, this has already been escalated."
REPLY_ALREADY_DECLINED = "[#{ref}] Noted, thanks."
REPLY_DECLINE_NOTED = "[#{ref}] Thanks, noted."
REPLY_PASSED_ON = "[#{ref}] Thanks, passed on."
REPLY_RESOLVED = "[#{ref}] Resolved. Thanks {name}."


def text_short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _url_suffix(incident: Incident) -> str:
    return f" {incident.url}" if incident.url else ""


# The page, the reminder and the call are default templates (messaging/templates/builtin.py):
# an operator may reword any variant in the admin, under the same name. YES and NO stay English
# in every language: they are the keywords the reply handler reads.
PAGE_PLACEHOLDERS = ("ref", "description", "url")
BUILTIN_TEMPLATES = (
    BuiltinTemplate("incident.page", "The first page of an incident (SMS)", PAGE_PLACEHOLDERS, (
        BuiltinVariant("sms", "[#{ref}] {description} {url}\nReply YES {ref} to accept, NO {ref} to decline"),
        BuiltinVariant("sms", "[#{ref}] {description} {url}\nResponda YES {ref} para aceptar, NO {ref} para rechazar",
                       locale="es"),
    )),
    BuiltinTemplate("incident.reminder", "A reminder of an incident nobody accepted yet (SMS)", PAGE_PLACEHOLDERS, (
        BuiltinVariant("sms", "[#{ref}] Reminder: {description} {url}\nReply YES {ref} to accept, NO {ref} to decline"),
        BuiltinVariant("sms", "[#{ref}] Recordatorio: {description} {url}\n"
                              "Responda YES {ref} para aceptar, NO {ref} para rechazar", locale="es"),
    )),
    BuiltinTemplate("incident.voice", "The page read aloud (a call)", ("ref", "description"), (
        BuiltinVariant("voice", "Incident {ref}. {description} "
                                "To accept, reply YES {ref} by text message. To decline, reply NO {ref}."),
        BuiltinVariant("voice", "Incidente {ref}. {description} "
                                "Para aceptar, responda YES {ref} por mensaje de texto. "
                                "Para rechazar, responda NO {ref}.",
                       locale="es"),
    )),
)


# The answers to YES, NO and RESOLVE, sent to whoever answered: default templates too, named
# incident.answer.<what>, with their English wording above and Spanish beside it. The Spanish
# SMS leave out á, í, ó and ú: they are not GSM-7, and one would make the SMS UCS-2 (70 a part).
ANSWERS = {
    "already_resolved": (REPLY_ALREADY_RESOLVED, "[#{ref}] Ya estaba resuelto. Gracias."),
    "already_yours": (REPLY_ALREADY_YOURS, "[#{ref}] Ya es suyo."),
    "already_taken": (REPLY_ALREADY_TAKEN, "[#{ref}] Ya lo tomo {name}. No hace falta hacer nada."),
    "accepted": (REPLY_ACCEPTED, "[#{ref}] Gracias {name}, es suyo."),
    "already_escalated": (REPLY_ALREADY_ESCALATED, "[#{ref}] Gracias, ya se escalo."),
    "already_declined": (REPLY_ALREADY_DECLINED, "[#{ref}] Anotado, gracias."),
    "decline_noted": (REPLY_DECLINE_NOTED, "[#{ref}] Gracias, anotado."),
    "passed_on": (REPLY_PASSED_ON, "[#{ref}] Gracias, se paso al siguiente."),
    "resolved": (REPLY_RESOLVED, "[#{ref}] Resuelto. Gracias {name}."),
}
BUILTIN_TEMPLATES += tuple(
    BuiltinTemplate(f"incident.answer.{key}", f"The answer to a reply: {key.replace('_', ' ')} (SMS)", ("ref", "name"),
                    (BuiltinVariant("sms", english), BuiltinVariant("sms", spanish, locale="es")))
    for key, (english, spanish) in ANSWERS.items())


def incident_answer_text(answer: str, *, contact=None, ref: int, name: str = "") -> str:
    """The answer ``answer`` (a key of ANSWERS) in the language of ``contact`` (who replied)."""
    return template_render(template_name=f"incident.answer.{answer}", channel="sms",
                           locale=getattr(contact, "locale", "") or "", context={"ref": ref, "name": name}).body


def _lines_trimmed(text: str) -> str:
    # "{url}" is empty without a URL: the space before it must not end the line.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def incident_wording(*, reminder: bool = False) -> list[Variant]:
    """The page's (or reminder's) and the call's variants as an operator left them: read from the
    database (cached per process), for ``incident_page_text`` and ``incident_voice_text``."""
    return [*template_variants("incident.reminder" if reminder else "incident.page"),
            *template_variants("incident.voice")]


def incident_page_text(*, incident: Incident, reminder: bool = False, locale: str = "",
                       variants: list[Variant] | None = None) -> str:
    """The page in ``locale``, worded by ``variants`` (from ``incident_wording``); without them,
    the built-in wording, reading nothing."""
    name = "incident.reminder" if reminder else "incident.page"
    # The description is the caller's words: a line of its own, so it never runs into "Reply YES".
    if variants is None:
        variants = builtin_variants(name)
    rendered = template_render(
        template_name=name, channel="sms", locale=locale, variants=variants,
        context={"ref": incident.reference, "description": text_short(incident.description), "url": incident.url})
    return _lines_trimmed(rendered.body)


def incident_voice_text(*, incident: Incident, locale: str = "", variants: list[Variant] | None = None) -> str:
    if variants is None:
        variants = builtin_variants("incident.voice")
    rendered = template_render(template_name="incident.voice", channel="voice", locale=locale, variants=variants,
                               context={"ref": incident.reference,
                                        "description": sentence(text_short(incident.description, 200))})
    return rendered.body


def incident_unacknowledged_text(*, incident: Incident, kind: str) -> str:
    """The final action's body: read aloud for a call, else the SMS or email text."""
    ref = incident.reference
    if kind == FinalAction.VOICE:
        return f"Incident {ref} was not accepted by anyone. {sentence(text_short(incident.description, 200))}"
    return f"[#{ref}] UNACKNOWLEDGED, nobody accepted: {text_short(incident.description)}{_url_suffix(incident)}"


def incident_unacknowledged_subject(*, incident: Incident, kind: str) -> str:
    return f"Incident #{incident.reference} unacknowledged" if kind == FinalAction.EMAIL else ""


def incident_taken_text(*, incident: Incident, name: str) -> str:
    """To everyone else paged, once somebody accepted."""
    return f"[#{incident.reference}] Taken by {name}. No action needed."


def incident_resolved_text(*, incident: Incident, resolved_by: str, stand_down: bool = False) -> str:
    """To whoever accepted; with ``stand_down``, to everyone paged when nobody had."""
    text = f"[#{incident.reference}] Resolved by {resolved_by}. Thanks."
    return f"{text} No action needed." if stand_down else text


def incident_which_text(*, answer: str, references: list[int]) -> str:
    """Asks a sender with several open incidents which one a bare YES or NO meant."""
    refs = [f"{answer} {ref}" for ref in references]
    choice = refs[0] if len(refs) == 1 else ", ".join(refs[:-1]) + " or " + refs[-1]
    return f"You have {len(references)} open incidents. Reply {choice}."


def text_due_in(when: datetime, now: datetime | None = None) -> str:
    """"in 42 s", "in 3 min 5 s", "in 2 h 4 min", or "12 s overdue": how far off a due time is."""
    seconds = round((when - (now or timezone.now())).total_seconds())
    span = abs(seconds)
    if span < 60:
        words = f"{span} s"
    elif span < 3600:
        words = f"{span // 60} min {span % 60} s"
    else:
        words = f"{span // 3600} h {span % 3600 // 60} min"
    return f"in {words}" if seconds >= 0 else f"{words} overdue"


def incident_not_paged_text(*, answer: str, ref: int, paged: list[int]) -> str:
    """The answer to ``YES 12`` from someone who was not paged for #12: nothing changed, and what
    they are paged for, so they can answer that instead."""
    if not paged:
        return f"You were not paged for #{ref}, so nothing changed. You are not paged for any open incident."
    refs = [f"#{r}" for r in paged]
    listed = refs[0] if len(refs) == 1 else ", ".join(refs[:-1]) + " and " + refs[-1]
    return (f"You were not paged for #{ref}, so nothing changed. You are paged for {listed}: "
            f"reply {answer} {paged[0]}.")


def incident_reply_noted_text(*, incident: Incident) -> str:
    return (f"[#{incident.reference}] Thanks, your message is on the incident for the dispatcher. "
            "Reply YES to take it or NO to pass it on.")


# A level where everyone acknowledges (EscalationLevel.ack_all): the answer to each YES but the last.
REPLY_ACK_WAITING = "[#{ref}] Thanks {name}, noted. Still waiting for {waiting} to acknowledge."


def incident_email_subject(*, incident: Incident) -> str:
    """The subject of a page by email (a notification rule's)."""
    return f"[#{incident.reference}] {text_short(incident.description, 60)}"


def page_cap_summary_text(*, incidents: list[Incident], limit: int = 8) -> str:
    """The page cap's one SMS: the incidents whose pages it held, and how to answer them."""
    listed = "; ".join(f"#{i.reference} {text_short(i.description, 40)}" for i in incidents[:limit])
    more = f"; and {len(incidents) - limit} more" if len(incidents) > limit else ""
    ref = incidents[0].reference
    return (f"Paging limit reached. Also waiting for you: {listed}{more}\n"
            f"Reply YES <ref> to accept (e.g. YES {ref}), NO <ref> to decline")
