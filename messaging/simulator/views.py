"""The phone simulator page (/simulator/): staff see every simulated phone's conversation and
can answer as that phone, or mark a message delivered or failed. Everything goes through the
same SNS notification pipeline as real AWS traffic (messaging.simulator).

Who may do what, least privilege first:

- The simulator exists only while ``SIMULATOR_ENABLED`` is on (by default: every channel is
  simulated). Otherwise every view answers 404, so nothing fake can reach a real number, and
  the page is not even listed.
- Reading (the page, the phones list, a conversation) shows the message log, so it needs staff
  status and ``messaging.view_outboundmessage``, the permission that shows the log in the admin.
  Dispatchers, shift managers and analysts have it.
- Acting (reply as a phone, mark a message delivered or failed) records an inbound SMS or a
  delivery event that the portal then acts on (opt-outs, acknowledgements, fallbacks), so it
  needs reading plus ``messaging.add_inboundsms``. Dispatchers and shift managers have that;
  analysts, who change nothing, do not.
- A reply also acts as the role its handler's action belongs to: answering an incident page
  needs ``incidents.change_incident`` (dispatchers), the shift commands ``shifts.change_shift``
  (shift managers). Otherwise it is refused with 403 and leaves nothing behind
  (messaging.simulator.phone.simulator_reply). STOP/HELP and unhandled text are the phone's
  own and need nothing more.
"""

from __future__ import annotations

import functools
import json
import re

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from messaging.models import Channel, OutboundMessage
from messaging.phones import phone_normalize
from messaging.simulator.calls import simulator_ringing_calls
from messaging.simulator.phone import (
    SimulatorRefused,
    simulator_conversation,
    simulator_mark,
    simulator_phones,
    simulator_reply,
)

VIEW_PERMISSION = "messaging.view_outboundmessage"
# Replying as a phone creates rows, so it needs more than the view-only access analysts have.
ACT_PERMISSION = "messaging.add_inboundsms"
BODY_MAX = 1600
_ID = re.compile(r"^[0-9]{1,18}$")  # ASCII digits only, and within a bigint


def _simulator(*, act: bool = False, json_errors: bool = True):
    """Gate a simulator view: 404 while disabled, the admin login for anonymous users, then 403
    without the permissions the module docstring gives."""
    needed = (VIEW_PERMISSION, ACT_PERMISSION) if act else (VIEW_PERMISSION,)

    def decorate(view):
        guarded = staff_member_required(view)

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            # Checked per request as well as in messaging.urls, so an override in tests or a
            # URLconf built before the setting changed still cannot serve it.
            if not settings.SIMULATOR_ENABLED:
                raise Http404("The phone simulator is off (SIMULATOR_ENABLED).")
            user = request.user
            if user.is_active and user.is_staff and not user.has_perms(needed):
                message = ("You may view the simulator but not act as a phone." if act
                           and user.has_perm(VIEW_PERMISSION) else
                           "The phone simulator needs permission to view the message log.")
                if json_errors:
                    return JsonResponse({"detail": message}, status=403)
                raise PermissionDenied(message)
            return guarded(request, *args, **kwargs)

        return wrapper

    return decorate


class _BadRequest(Exception):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def _no_constant(name: str):
    raise _BadRequest({"detail": [f"{name} is not allowed in JSON."]})


def _payload(request) -> dict:
    """The request's fields: a JSON object, or a form. Anything else is a _BadRequest."""
    if request.content_type != "application/json":
        return request.POST
    try:
        data = json.loads(request.body.decode("utf-8") or "{}", parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise _BadRequest({"detail": ["The body is not UTF-8."]}) from None
    except RecursionError:
        raise _BadRequest({"detail": ["The JSON is nested too deeply."]}) from None
    except ValueError as exc:
        raise _BadRequest({"detail": [f"The body is not JSON: {exc}"]}) from None
    if not isinstance(data, dict):
        raise _BadRequest({"detail": ["Send a JSON object."]})
    return data


def _text(data, field: str, errors: dict) -> str:
    """A string field, or "" with the reason recorded in ``errors``."""
    value = data.get(field, "")
    if not isinstance(value, str):
        errors[field] = ["Must be a string."]
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON allows it, no database stores it
        errors[field] = ["Contains a character that is not valid Unicode."]
        return ""
    if "\x00" in value:
        errors[field] = ["Contains a NUL character."]
        return ""
    return value


def _bad_request(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _BadRequest as exc:
            return JsonResponse(exc.errors, status=400)

    return wrapper


@_simulator(json_errors=False)
@require_GET
def simulator_page(request):
    return render(request, "simulator/index.html", {
        **admin.site.each_context(request), "title": "Phone simulator",
        "can_act": request.user.has_perm(ACT_PERMISSION),
        "selected": request.GET.get("phone", ""),
        "calls": simulator_ringing_calls(),  # rendered with forms: the keypad works without JavaScript
    })


@_simulator()
@require_GET
def simulator_phones_json(request):
    return JsonResponse({"phones": simulator_phones()})


@_simulator()
@require_GET
def simulator_conversation_json(request):
    try:
        phone = phone_normalize(request.GET.get("phone", ""))
    except ValidationError as exc:
        return JsonResponse({"phone": exc.messages}, status=400)
    return JsonResponse({"phone": phone, "messages": simulator_conversation(phone=phone)})


@_simulator(act=True)
@require_POST
@_bad_request
def simulator_reply_json(request):
    data = _payload(request)
    errors: dict = {}
    phone = _text(data, "phone", errors)
    if "phone" not in errors:
        try:
            phone = phone_normalize(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    body = _text(data, "body", errors).strip()
    if "body" not in errors and not body:
        errors["body"] = ["Type a message."]
    elif len(body) > BODY_MAX:
        errors["body"] = [f"At most {BODY_MAX} characters."]
    channel = data.get("channel") or Channel.SMS
    if channel not in (Channel.SMS, Channel.WHATSAPP):
        errors["channel"] = ["Reply by sms or whatsapp."]
    if errors:
        return JsonResponse(errors, status=400)
    try:
        inbound = simulator_reply(phone=phone, body=body, channel=channel, actor=request.user)
    except SimulatorRefused as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    return JsonResponse({"id": inbound.pk, "status": inbound.status, "handled_by": inbound.handled_by,
                         "outcome": inbound.outcome, "reply": inbound.reply, "error": inbound.error})


@_simulator(act=True)
@require_POST
@_bad_request
def simulator_mark_json(request):
    data = _payload(request)
    errors: dict = {}
    outcome = _text(data, "outcome", errors)
    if "outcome" not in errors and outcome not in ("delivered", "failed"):
        errors["outcome"] = ["Must be delivered or failed."]
    raw_id = data.get("message_id", "")
    # bool is an int in Python; `true` must not mean message 1.
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not (isinstance(raw_id, str) and _ID.match(raw_id)
            and OutboundMessage.objects.filter(pk=int(raw_id)).exists()):
        errors["message_id"] = ["No such message."]
    if errors:
        return JsonResponse(errors, status=400)
    message_id = int(raw_id)
    try:
        notification = simulator_mark(message_id=message_id, outcome=outcome)
    except ValueError as exc:
        return JsonResponse({"message_id": [str(exc)]}, status=400)
    message = OutboundMessage.objects.get(pk=message_id)
    return JsonResponse({"id": message.pk, "status": message.status, "notification": notification.status})
