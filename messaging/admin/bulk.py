"""Bulk sends in the admin: upload a file and a message, see the first messages, send, watch.

The admin only calls services: the file is stored as it arrives and checked on a worker
(``bulk_send_receive``), and "Send now" (``bulk_send_confirm``) has that worker send it; the
progress is the message log's counts for the bulk send's own messages.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from messaging import models as m
from messaging.admin.imports import CsvUploadField
from messaging.audience.bulk_reads import bulk_send_counts
from messaging.audience.bulk_sends import bulk_send_cancel
from messaging.audience.csv_stream import ImportInvalid
from messaging.audience.import_runs import bulk_send_confirm
from messaging.audience.receive import bulk_send_receive
from messaging.values.instants import InstantFormField


class BulkUploadForm(forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), help_text=(
        "Placeholders are the file's columns, e.g. Hi {name}, {shift} is yours if you reply YES."))
    file = CsvUploadField(help_text="CSV, UTF-8, with a phone column and any others, e.g. phone,name,shift.")
    send_at = InstantFormField(required=False, help_text="Empty: once you press Send now. Else not before this.")
    quiet_start = forms.TimeField(required=False, help_text="Quiet hours in each recipient's own zone, e.g. 21:00")
    quiet_end = forms.TimeField(required=False, help_text="e.g. 08:00")
    purpose = forms.ChoiceField(choices=m.BulkPurpose.choices, initial=m.BulkPurpose.TRANSACTIONAL, required=False,
                                help_text=(
        "Promotional sends without quiet hours wait out BULK_PROMOTIONAL_QUIET_HOURS (21:00-08:00) locally."))

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None) or (start is not None and start == end):
            raise forms.ValidationError("Give both ends of the quiet hours, and different ones, or neither.")
        return data


@admin.register(m.BulkSend)
class BulkSendAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "channel", "status", "recipients", "send_at", "created_at", "sent_at"]
    list_filter = ["status", "source", "channel", "purpose"]
    readonly_fields = ["name", "channel", "template", "subject", "template_name", "tag", "topic", "purpose", "source",
                       "status", "recipients", "send_at", "quiet_start", "quiet_end", "expires_at", "confirm",
                       "longest_parts", "progress", "replies", "recipient_rows_link", "error", "notification",
                       "created_by", "created_at", "sent_at"]
    exclude = ["preview", "errors"]
    change_form_template = "admin/messaging/bulksend/change_form.html"
    actions = ["cancel_sends"]

    @admin.display(description="progress")
    def progress(self, obj):
        counts = bulk_send_counts(send=obj)
        counts.pop("replies")
        if not any(counts.values()):  # a send from before recipient rows: its messages' counts
            counts = dict(m.OutboundMessage.objects.owned_by(obj).values_list("status").annotate(n=Count("id"))
                          .order_by())
        return ", ".join(f"{n:,} {s}" for s, n in sorted(counts.items()) if n) or "–"

    @admin.display(description="replies")
    def replies(self, obj):
        return ", ".join(f"{text}: {n:,}" for text, n in bulk_send_counts(send=obj)["replies"].items()) or "–"

    @admin.display(description="recipients")
    def recipient_rows_link(self, obj):
        url = reverse("admin:messaging_bulkrecipient_changelist") + f"?bulk__id__exact={obj.pk}"
        return format_html('<a href="{}">Each recipient: status, hold, reply</a>', url)

    @admin.action(description="Cancel the selected bulk sends (what is not yet queued is not sent)",
                  permissions=["add"])
    def cancel_sends(self, request, queryset):
        cancelled = sum(bulk_send_cancel(send=send, by=request.user.get_username()) for send in queryset)
        self.message_user(request, f"Cancelled; {cancelled:,} recipient(s) will not be sent to.", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_urls(self):
        return [path("<int:pk>/send/", self.admin_site.admin_view(self.send_view), name="messaging_bulksend_send"),
                *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BulkUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = form.cleaned_data
            bulk = bulk_send_receive(name=upload.name, template=data["message"], pieces=upload.chunks(),
                                     created_by=request.user, send_at=data["send_at"],
                                     purpose=data["purpose"] or m.BulkPurpose.TRANSACTIONAL,
                                     quiet=(data["quiet_start"], data["quiet_end"]) if data["quiet_start"] else None)
            return redirect(reverse("admin:messaging_bulksend_change", args=[bulk.pk]))
        return TemplateResponse(request, "admin/messaging/importrun/upload.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "title": "Send a message to everyone in a CSV file"})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bulk = get_object_or_404(m.BulkSend, pk=object_id)
        run = m.ImportRun.objects.filter(kind=m.ImportKind.BULK_SEND, options__bulk_send=bulk.pk).first()
        waiting = run is not None and run.status in (m.ImportStatus.QUEUED, m.ImportStatus.RUNNING)
        extra = {"bulk": bulk, "run": run, "can_send": bulk.status == m.BulkSendStatus.CHECKED and not waiting
                 and self.has_add_permission(request),
                 "refresh": waiting or bulk.status == m.BulkSendStatus.CHECKING
                 or (bulk.status == m.BulkSendStatus.SENT and m.OutboundMessage.objects.owned_by(bulk)
                     .filter(status=m.MessageStatus.QUEUED).exists())}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def send_view(self, request, pk):
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        bulk = get_object_or_404(m.BulkSend, pk=pk)
        try:
            started = bulk_send_confirm(bulk=bulk)
        except ImportInvalid as exc:  # its file is gone (a row from before files were kept): say so
            self.message_user(request, f"Nothing was sent: {exc.errors[0].error if exc.errors else exc}",
                              messages.ERROR)
            return redirect(reverse("admin:messaging_bulksend_change", args=[pk]))
        if started:
            self.message_user(request, f"Sending to {bulk.recipients:,} recipient(s); this page shows the progress.",
                              messages.SUCCESS)
        else:
            self.message_user(request, f"This bulk send is already {bulk.get_status_display().lower()}.",
                              messages.WARNING)
        return redirect(reverse("admin:messaging_bulksend_change", args=[pk]))


@admin.register(m.BulkRecipient)
class BulkRecipientAdmin(admin.ModelAdmin):
    """Read-only: one row per recipient of a bulk send (the API's GET …/recipients/)."""

    list_display = ["address", "bulk", "status_now", "release_at", "released_at", "answer", "reply", "error"]
    list_filter = ["status", "bulk"]
    search_fields = ["address"]
    list_select_related = ["bulk", "message"]
    readonly_fields = [f.name for f in m.BulkRecipient._meta.fields]

    @admin.display(description="status")
    def status_now(self, obj):
        """Its message's status once logged (sent, delivered…), its own before (queued, deferred)."""
        return obj.message.status if obj.message_id and obj.message else obj.status

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
