"""Erasing a person from the rotas (``PERSONAL_DATA_ERASERS``): their rota places, overrides,
feeds and summaries go with the contact (CASCADE); the hotline's record of who it dialled keeps
the change, with "erased contact" and no number."""

from __future__ import annotations

from messaging.erasure.subject import ERASED_NAME, ErasureSubject
from oncall.models import HotlineChange


def oncall_erase(subject: ErasureSubject) -> dict[str, int]:
    return {"hotline_changes": HotlineChange.objects.filter(phone__in=subject.phones).update(
        phone="", name=ERASED_NAME, contact=None)}
