"""The phone simulator page (/simulator/): staff see every simulated phone's conversation and
can answer as that phone, or mark a message delivered or failed. Everything goes through the
same SNS notification pipeline as real AWS traffic (messaging.simulator)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from messaging.models import OutboundMessage
from messaging.phones import phone_normalize
from messaging.simulator import simulator_conversation, simulator_mark, simulator_phones, simulator_reply

# Replying as a phone creates rows, so it needs more than the view-only access analysts have.
ACT_PERMISSION = "messaging.add_inboundsms"


def _payload(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST


def _forbidden():
    return JsonResponse({"detail": "You may view the simulator but not act as a phone."}, status=403)


@staff_member_required
@require_GET
def simulator_page(request):
    return render(request, "simulator/index.html", {
        **admin.site.each_context(request), "title": "Phone simulator",
        "can_act": request.user.has_perm(ACT_PERMISSION),
        "selected": request.GET.get("phone", ""),
    })


@staff_member_required
@require_GET
def simulator_phones_json(request):
    return JsonResponse({"phones": simulator_phones()})


@staff_member_required
@require_GET
def simulator_conversation_json(request):
    try:
        phone = phone_normalize(request.GET.get("phone", ""))
    except ValidationError as exc:
        return JsonResponse({"phone": exc.messages}, status=400)
    return JsonResponse({"phone": phone, "messages": simulator_conversation(phone=phone)})


@staff_member_required
@require_POST
def simulator_reply_json(request):
    if not request.user.has_perm(ACT_PERMISSION):
        return _forbidden()
    data = _payload(request)
    errors = {}
    try:
        phone = phone_normalize(str(data.get("phone", "")))
    except ValidationError as exc:
        errors["phone"] = exc.messages
    body = str(data.get("body", "")).strip()
    if not body:
        errors["body"] = ["Type a message."]
    elif len(body) > 1600:
        errors["body"] = ["At most 1600 characters."]
    if errors:
        return JsonResponse(errors, status=400)
    inbound = simulator_reply(phone=phone, body=body)
    return JsonResponse({"id": inbound.pk, "status": inbound.status, "handled_by": inbound.handled_by,
                         "outcome": inbound.outcome, "reply": inbound.reply, "error": inbound.error})


@staff_member_required
@require_POST
def simulator_mark_json(request):
    if not request.user.has_perm(ACT_PERMISSION):
        return _forbidden()
    data = _payload(request)
    outcome = str(data.get("outcome", ""))
    if outcome not in ("delivered", "failed"):
        return JsonResponse({"outcome": ["Must be delivered or failed."]}, status=400)
    try:
        message_id = int(data.get("message_id", ""))
        OutboundMessage.objects.get(pk=message_id)
    except (TypeError, ValueError, OutboundMessage.DoesNotExist):
        return JsonResponse({"message_id": ["No such message."]}, status=400)
    try:
        notification = simulator_mark(message_id=message_id, outcome=outcome)
    except ValueError as exc:
        return JsonResponse({"message_id": [str(exc)]}, status=400)
    message = OutboundMessage.objects.get(pk=message_id)
    return JsonResponse({"id": message.pk, "status": message.status, "notification": notification.status})
