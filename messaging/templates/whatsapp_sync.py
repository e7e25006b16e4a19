"""Mirror the WhatsApp templates Meta knows (through AWS End User Messaging Social) into the portal.

``list_whatsapp_message_templates`` (paged by ``nextToken``) names each template, its language
and status; ``get_whatsapp_message_template`` gives its full definition (a JSON string: the
components, and Meta's reason when it was rejected). A template no longer listed is marked
``DELETED``, so a variant pointing at it is refused with that reason rather than sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from messaging.models import WhatsAppTemplate
from messaging.transports import clients


@dataclass
class SyncResult:
    seen: int = 0
    approved: int = 0
    gone: int = 0
    errors: list[str] = field(default_factory=list)


def _listed(client, waba_id: str):
    token = None
    while True:
        page = client.list_whatsapp_message_templates(id=waba_id, **({"nextToken": token} if token else {}))
        yield from page.get("templates", [])
        token = page.get("nextToken")
        if not token:
            return


def whatsapp_templates_sync(*, waba_id: str = "", client=None) -> SyncResult:
    """Read every template of the WhatsApp Business Account and store its status; returns counts."""
    waba_id = waba_id or settings.WHATSAPP_WABA_ID
    if not waba_id:
        raise ImproperlyConfigured("Set WHATSAPP_WABA_ID (or pass --waba) to sync WhatsApp templates.")
    client = client or clients.aws_client("socialmessaging")
    result, now, kept = SyncResult(), timezone.now(), set()
    for summary in _listed(client, waba_id):
        name, language = summary.get("templateName") or "", summary.get("templateLanguage") or ""
        if not name or not language:
            continue
        result.seen += 1
        definition: dict = {}
        try:
            answer = client.get_whatsapp_message_template(
                id=waba_id, metaTemplateId=summary.get("metaTemplateId") or "")
            definition = json.loads(answer.get("template") or "{}")
        except Exception as exc:  # noqa: BLE001 - one template's failure is reported, the rest still sync
            result.errors.append(f"{name} ({language}): {exc}")
        status = (summary.get("templateStatus") or definition.get("status") or "UNKNOWN").upper()
        reason = str(definition.get("rejected_reason") or definition.get("reason") or "")
        if reason.upper() == "NONE":
            reason = ""
        WhatsAppTemplate.objects.update_or_create(name=name, language=language, defaults={
            "meta_template_id": summary.get("metaTemplateId") or "", "status": status[:32],
            "category": (summary.get("templateCategory") or definition.get("category") or "")[:32],
            "reason": reason[:500], "components": definition.get("components") or [], "synced_at": now})
        kept.add((name, language))
        result.approved += status == "APPROVED"
    for row in WhatsAppTemplate.objects.exclude(status="DELETED"):
        if (row.name, row.language) not in kept:
            row.status, row.reason, row.synced_at = "DELETED", "No longer listed by the WhatsApp Business Account.", now
            row.save(update_fields=["status", "reason", "synced_at"])
            result.gone += 1
    return result
