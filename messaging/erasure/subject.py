"""What an eraser is told: who is being erased, by every value that can name them in a row.

A leaf (imports nothing of ours): other apps' erasers, named in ``PERSONAL_DATA_ERASERS``, take
an ``ErasureSubject`` and return how many of their rows they changed, by kind.
"""

from __future__ import annotations

from dataclasses import dataclass

ERASED_NAME = "erased contact"


@dataclass(frozen=True)
class ErasureSubject:
    contact_id: int
    name: str
    phones: tuple[str, ...]  # E.164: the contact's phone and WhatsApp number
    emails: tuple[str, ...]  # as written and lower-cased

    @property
    def identities(self) -> tuple[str, ...]:
        """Every string that, found in a row, names this person."""
        return self.phones + self.emails

    def scrub(self, text: str) -> str:
        """``text`` with every phone, address and (whole) name of the person replaced."""
        for value in (*self.identities, self.name):
            if value:
                text = text.replace(value, ERASED_NAME)
        return text

    def names_in(self, text: str) -> bool:
        return any(value and value in text for value in (*self.identities, self.name))
