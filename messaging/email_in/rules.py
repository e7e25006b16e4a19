"""Auto-reply rules written: one validation for the admin and the API, one create."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from messaging.email_in.replies import PLACEHOLDERS, placeholders_unknown
from messaging.models import EmailAutoReply

TEXT_MAX = 100_000


def auto_reply_match_clean(match: str) -> str:
    """An address ("help@example.com") or a domain ("@example.com"), lower-case; else ValidationError."""
    match = (match or "").strip().lower()
    if match.startswith("@"):
        domain = match[1:]
        try:
            validate_email(f"x@{domain}")
        except ValidationError:
            raise ValidationError(f"{match!r} is not a domain: write it as @example.com.") from None
        return match
    try:
        validate_email(match)
    except ValidationError:
        raise ValidationError(f"{match!r} is neither an address (help@example.com) nor a domain (@example.com).") \
            from None
    return match


def auto_reply_text_clean(text: str, *, field: str) -> str:
    unknown = placeholders_unknown(text)
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ValidationError(f"Unknown placeholder {', '.join('{' + u + '}' for u in unknown)} in {field}: "
                              f"only {known} are filled in.")
    if len(text) > TEXT_MAX:
        raise ValidationError(f"At most {TEXT_MAX} characters.")
    return text


def auto_reply_create(*, match: str, text: str, subject_prefix: str = "Re:", html: str = "") -> EmailAutoReply:
    """A new rule; ValidationError by field when a part is wrong."""
    errors, clean = {}, {}
    for name, value, check in (("match", match, auto_reply_match_clean),
                               ("text", text, lambda v: auto_reply_text_clean(v, field="text")),
                               ("html", html, lambda v: auto_reply_text_clean(v, field="html"))):
        try:
            clean[name] = check(value or "")
        except ValidationError as exc:
            errors[name] = exc.messages
    if not (text or "").strip():
        errors["text"] = ["Write the answer's text."]
    if errors:
        raise ValidationError(errors)
    return EmailAutoReply.objects.create(subject_prefix=(subject_prefix or "").strip(), **clean)
