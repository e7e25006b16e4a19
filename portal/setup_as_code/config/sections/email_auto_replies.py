"""``email_auto_replies``: mail to an address or a domain gets one polite answer. Matched by
``match`` (lower-case, as the rules service writes it); checked by the same service as the admin
and the API (messaging.email_in.rules), so an unknown placeholder names its place in the file.
Who was answered when (AutoReplySent) is history, not setup, and is not here."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from messaging.email_in.rules import TEXT_MAX, auto_reply_create, auto_reply_match_clean, auto_reply_text_clean
from messaging.models import EmailAutoReply
from portal.setup_as_code.config.base import Context

KEY = "email_auto_replies"
item_schema = {
    "type": "object", "additionalProperties": False, "required": ["match", "text"],
    "properties": {
        "match": {"type": "string", "minLength": 1, "maxLength": 320,
                  "description": "an address (help@example.com) or a domain (@example.com)"},
        "subject_prefix": {"type": "string", "maxLength": 200, "default": "Re:"},
        "text": {"type": "string", "minLength": 1, "maxLength": TEXT_MAX,
                 "description": "{name} and {message_id} are filled in"},
        "html": {"type": "string", "maxLength": TEXT_MAX},
        "enabled": {"type": "boolean", "default": True},
    },
}


def _fields(item: dict) -> dict:
    return {"subject_prefix": item.get("subject_prefix", "Re:").strip(), "text": item["text"],
            "html": item.get("html", ""), "enabled": item.get("enabled", True)}


def export(ctx: Context) -> list[dict]:
    out = []
    for rule in EmailAutoReply.objects.order_by("match", "id"):
        item: dict = {"match": rule.match}
        if rule.subject_prefix != "Re:":
            item["subject_prefix"] = rule.subject_prefix
        item["text"] = rule.text
        if rule.html:
            item["html"] = rule.html
        if not rule.enabled:
            item["enabled"] = False
        out.append(item)
    return out


def _match(item: dict) -> str:
    try:
        return auto_reply_match_clean(item["match"])
    except ValidationError:
        return item["match"]


def check(items: list[dict], ctx: Context) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = f"{KEY}[{i}]"
        try:
            match = auto_reply_match_clean(item["match"])
        except ValidationError as exc:
            ctx.error(f"{where}.match", " ".join(exc.messages))
            continue
        if match in seen:
            ctx.error(f"{where}.match", f"{match!r} is already {KEY}[{seen[match]}]")
        seen.setdefault(match, i)
        if not item["text"].strip():
            ctx.error(f"{where}.text", "Write the answer's text.")
        for field_name in ("text", "html"):
            try:
                auto_reply_text_clean(item.get(field_name, ""), field=field_name)
            except ValidationError as exc:
                ctx.error(f"{where}.{field_name}", " ".join(exc.messages))


def apply(items: list[dict], ctx: Context) -> None:
    existing: dict[str, EmailAutoReply] = {}
    for rule in EmailAutoReply.objects.filter(match__in=[_match(i) for i in items]).order_by("id"):
        existing.setdefault(rule.match, rule)
    for item in items:
        match, fields = _match(item), _fields(item)
        rule = existing.get(match)
        if rule is None:
            rule = auto_reply_create(match=match, text=fields["text"], subject_prefix=fields["subject_prefix"],
                                     html=fields["html"])
            if not fields["enabled"]:
                EmailAutoReply.objects.filter(pk=rule.pk).update(enabled=False)
            ctx.change("create", "email auto-reply", match, "" if fields["enabled"] else "disabled")
            continue
        changed = [k for k, v in fields.items() if getattr(rule, k) != v]
        if changed:
            EmailAutoReply.objects.filter(pk=rule.pk).update(**{k: fields[k] for k in changed})
            ctx.change("update", "email auto-reply", match, ", ".join(changed))


def prune(items: list[dict], ctx: Context) -> None:
    for rule in EmailAutoReply.objects.exclude(match__in=[_match(i) for i in items]):
        rule.delete()
        ctx.change("delete", "email auto-reply", rule.match)
