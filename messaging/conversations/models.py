"""The state of a conversation with one phone number: whether it waits for a person.

Kept out of ``messaging.models`` (which imports this module at its end, so the model registers
with the messaging app). The thread itself is not stored here: it is read from the message log
and the inbound rows (``messaging.conversations.selectors``); this row owns only what a person
decides about it (needs a reply; answered or marked done, by whom and when).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Conversation(models.Model):
    phone = models.CharField(max_length=32, unique=True)
    needs_reply = models.BooleanField(default=False, help_text="Someone wrote what no rule answered.")
    # Set when a message in from this number was about a shift, a campaign or a bulk send:
    # shift managers see and answer only these threads.
    about_shifts = models.BooleanField(default=False)
    last_at = models.DateTimeField(default=timezone.now, help_text="The latest message in or answered here.")
    last_body = models.CharField(max_length=300, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-needs_reply", "-last_at"]
        # The inbox reads its first page off one of these: needs-reply first, or latest first.
        indexes = [models.Index(fields=["needs_reply", "last_at"], name="conv_needs_reply_idx"),
                   models.Index(fields=["last_at"], name="conv_last_at_idx")]
        # "reply": answer any thread and mark it done; "shiftreply": read and answer threads about
        # shifts only (the shift managers'). Reading every thread is the ordinary "view".
        permissions = [("reply_conversation", "Can answer conversations and mark them done"),
                       ("shiftreply_conversation", "Can read and answer conversations about shifts")]

    def __str__(self) -> str:
        return self.phone
