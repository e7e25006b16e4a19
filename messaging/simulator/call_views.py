"""The simulator's ringing calls: press keys (``POST /simulator/calls/{id}/keys/``) or hang up.

Guarded as every simulator view is (messaging.simulator.views): 404 while the simulator is off,
the admin login for anonymous users, 403 without the rights to act as a phone. JSON in, JSON
out; a form post (the phone page's keypad, which works without JavaScript) is sent back to the
page, with what happened as an admin message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from messaging.models import VoiceCall
from messaging.simulator.calls import (
    KEYS,
    CallEnded,
    CallUnknown,
    simulator_call_hang_up,
    simulator_call_keys,
)
from messaging.simulator.phone import SimulatorRefused
from messaging.simulator.views import _bad_request, _payload, _simulator, _text

DIGITS_MAX = 20


def _answer(request, call: VoiceCall | None, *, status: int = 200, detail: str = ""):
    if request.content_type == "application/json":
        if call is None:
            return JsonResponse({"detail": detail}, status=status)
        return JsonResponse({"id": call.provider_message_id, "state": call.state, "digits": call.digits,
                             "action": call.action, "outcome": call.outcome}, status=status)
    level = messages.SUCCESS if status == 200 else messages.ERROR
    messages.add_message(request, level, detail or (call.outcome if call else ""))
    phone = call.message.recipient if call is not None and call.message_id else ""
    return redirect(f"{reverse('simulator')}?phone={phone}" if phone else reverse("simulator"))


def _call(request, provider_message_id: str, act):
    try:
        call = act()
    except CallUnknown:
        return _answer(request, None, status=404, detail=f"No simulated call {provider_message_id}.")
    except CallEnded:
        return _answer(request, None, status=409, detail=f"Call {provider_message_id} has ended.")
    except SimulatorRefused as exc:
        return _answer(request, None, status=403, detail=str(exc))
    return _answer(request, call)


@_simulator(act=True)
@require_POST
@_bad_request
def simulator_call_keys_view(request, provider_message_id: str):
    data = _payload(request)
    errors: dict = {}
    digits = _text(data, "digits", errors).strip()
    if "digits" not in errors and not digits:
        errors["digits"] = ["Press at least one key."]
    elif len(digits) > DIGITS_MAX or not set(digits) <= KEYS:
        errors["digits"] = [f"Keys are 0-9, * and #, at most {DIGITS_MAX} of them."]
    if errors:
        return JsonResponse(errors, status=400)
    return _call(request, provider_message_id, lambda: simulator_call_keys(
        provider_message_id=provider_message_id, digits=digits, actor=request.user))


@_simulator(act=True)
@require_POST
def simulator_call_hang_up_view(request, provider_message_id: str):
    return _call(request, provider_message_id,
                 lambda: simulator_call_hang_up(provider_message_id=provider_message_id))
