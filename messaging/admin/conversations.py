"""Conversations in the admin: the inbox (one row per number, those needing a reply first) and a
thread page with the contact, what each message was about, delivery status, handler outcomes, a
box to answer by SMS or WhatsApp, and a Done button.

Who may do what is decided by ``messaging.conversations.selectors`` (dispatchers read and answer
every thread, analysts read, shift managers read and answer threads about shifts); the answer
and "done" are ``messaging.conversations.services``. This module only wires them to pages.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from messaging import models as m
from messaging.admin.badges import status_badge
from messaging.conversations.selectors import (
    SHIFT_REPLY_PERMISSION,
    conversation_answerable,
    conversation_thread,
    conversations_visible,
)
from messaging.conversations.services import BODY_MAX, conversation_answer, conversation_done
from messaging.outbound.send import recipient_suppressed

ABOUT_ADMIN = {
    "incident": ("admin:incidents_incident_change", "Incident"),
    "campaign": ("admin:shifts_shiftcampaign_change", "Campaign"),
    "bulk_send": ("admin:messaging_bulksend_change", "Bulk send"),
    "dispatch": ("admin:messaging_dispatch_change", "Dispatch"),
    "schedule": ("admin:oncall_schedule_change", "Schedule"),
}


class AnswerForm(forms.Form):
    body = forms.CharField(max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
                           label="Answer")
    channel = forms.ChoiceField(choices=[(m.Channel.SMS, "SMS"), (m.Channel.WHATSAPP, "WhatsApp")])


def _about_link(about: dict | None) -> dict | None:
    if not about:
        return None
    if about["type"] == "conversation":
        return {"label": "Answer from this inbox", "url": ""}
    name, label = ABOUT_ADMIN[about["type"]]
    try:
        url = reverse(name, args=[about["id"]])
    except NoReverseMatch:
        url = ""
    return {"label": f"{label} #{about['id']}", "url": url}


@admin.register(m.Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["phone_link", "contact_name", "last_body", "needs_reply_badge", "last_at"]
    list_filter = ["needs_reply"]
    search_fields = ["=phone"]
    ordering = ["-needs_reply", "-last_at", "-id"]
    show_full_result_count = False
    list_per_page = 50

    def changelist_view(self, request, extra_context=None):
        title = "Conversations: those waiting for a reply first"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_queryset(self, request):
        names = m.Contact.objects.filter(phone=OuterRef("phone")).values("name")[:1]
        return conversations_visible(user=request.user).annotate(contact_name=Subquery(names))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        if user.has_perm("messaging.view_conversation"):
            return True
        return user.has_perm(SHIFT_REPLY_PERMISSION) and (obj is None or obj.about_shifts)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="phone", ordering="phone")
    def phone_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:messaging_conversation_change", args=[obj.pk]),
                           obj.phone)

    @admin.display(description="contact")
    def contact_name(self, obj):
        return obj.contact_name or "—"

    @admin.display(description="needs a reply", ordering="needs_reply")
    def needs_reply_badge(self, obj):
        return status_badge("failed", "needs a reply") if obj.needs_reply else "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/answer/", view(self.answer_view), name="messaging_conversation_answer"),
                path("<int:pk>/done/", view(self.done_view), name="messaging_conversation_done"),
                *super().get_urls()]

    def _visible(self, request, pk) -> m.Conversation:
        conversation = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, conversation):
            raise PermissionDenied
        return conversation

    def change_view(self, request, object_id, form_url="", extra_context=None):
        conversation = self._visible(request, object_id)
        return self._thread(request, conversation, AnswerForm())

    def _thread(self, request, conversation, form):
        thread = conversation_thread(phone=conversation.phone)
        for item in thread["messages"]:
            item["about_link"] = _about_link(item["about"])
            item["badge"] = status_badge(item["status"])
        answerable = conversation_answerable(user=request.user, conversation=conversation)
        opted_out = {c: recipient_suppressed(channel=c, recipient=conversation.phone)
                     for c in (m.Channel.SMS, m.Channel.WHATSAPP)}
        return TemplateResponse(request, "admin/messaging/conversation/thread.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "conversation": conversation,
            "thread": thread, "form": form, "can_answer": answerable, "opted_out": opted_out,
            "all_opted_out": all(opted_out.values()), "title": f"Conversation with {conversation.phone}",
            "contact": thread["contact_obj"]})

    def answer_view(self, request, pk):
        conversation = self._visible(request, pk)
        if request.method != "POST" or not conversation_answerable(user=request.user, conversation=conversation):
            raise PermissionDenied
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                conversation_answer(phone=conversation.phone, body=form.cleaned_data["body"],
                                    channel=form.cleaned_data["channel"], user=request.user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(request, f"Sent to {conversation.phone}.", messages.SUCCESS)
                return redirect(reverse("admin:messaging_conversation_change", args=[pk]))
        return self._thread(request, conversation, form)

    def done_view(self, request, pk):
        conversation = self._visible(request, pk)
        if request.method != "POST" or not conversation_answerable(user=request.user, conversation=conversation):
            raise PermissionDenied
        conversation_done(phone=conversation.phone, user=request.user)
        self.message_user(request, f"Marked done: {conversation.phone} needs no reply.", messages.SUCCESS)
        return redirect(reverse("admin:messaging_conversation_changelist"))
