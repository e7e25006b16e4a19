"""Imports from CSV in the admin: upload, preview, confirm, then watch the run's progress.

The admin only calls services: the upload is stored as it arrives and checked on a worker
(``import_run_receive``; the page shows the check's progress, then the preview or the first
bad lines), "Import now" (``import_run_confirm``) hands the write to the worker, whose progress
the page shows, and "Run again" (``import_run_again``) queues a failed or stuck run afresh.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from messaging import models as m
from messaging.audience.import_rights import import_kind_may_run, import_kinds_may_run, import_kinds_may_view
from messaging.audience.import_runs import import_run_again, import_run_confirm, import_run_stuck_or_failed
from messaging.audience.receive import import_run_receive


class CsvUploadField(forms.FileField):
    """A CSV file the admin takes (contacts, the allow-list, a bulk send): at most
    CONTACT_IMPORT_MAX_BYTES, the API's limit too (100,000 contacts are about 5 MB)."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        limit = settings.CONTACT_IMPORT_MAX_BYTES
        if upload and upload.size > limit:
            raise forms.ValidationError(f"At most {limit / (1024 * 1024):g} MB.")
        return upload


UPLOAD_KINDS = (m.ImportKind.CONTACTS, m.ImportKind.ALLOW_LIST)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in UPLOAD_KINDS], initial=m.ImportKind.CONTACTS)
    file = CsvUploadField(help_text="CSV, UTF-8. Contacts: name,phone[,email,whatsapp,tags] (tags separated "
                                     "by ;). Allow-list: phone[,scope].")
    scope = forms.ChoiceField(choices=[("", "from the file's scope column"), *m.AllowListScope.choices],
                              required=False, help_text="Allow-list only: one scope for every number.")

    def limit_kinds(self, kinds: list[str]) -> None:
        """Offer (and accept) only ``kinds``: a forged kind is a form error, like any bad choice."""
        self.fields["kind"].choices = [(k.value, k.label) for k in UPLOAD_KINDS if k in kinds]
        if m.ImportKind.ALLOW_LIST not in kinds:
            del self.fields["scope"]


@admin.register(m.ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "source", "status", "progress", "created", "updated", "error_count",
                    "created_at"]
    list_filter = ["kind", "source", "status"]
    readonly_fields = ["kind", "source", "name", "status", "progress", "created", "updated", "error_count", "error",
                       "attempt", "lease_until", "notification", "created_by", "created_at", "finished_at"]
    exclude = ["options", "total", "done", "errors", "size", "checked", "resume_offset", "resume_line"]
    actions = ["run_again"]
    change_form_template = "admin/messaging/importrun/change_form.html"

    @admin.display(description="progress")
    def progress(self, obj):
        done = f"{obj.done:,} of {obj.total:,}" if obj.total else "–"
        if obj.status == m.ImportStatus.RUNNING and obj.lease_until and obj.lease_until < timezone.now():
            return f"stuck: its worker stopped at {done} (taken up again within a minute, or Run again)"
        if obj.status == m.ImportStatus.RUNNING and not obj.checked:
            return f"checking: {obj.total:,} line(s) read"
        return done

    @admin.action(description="Run again (failed or stuck imports)", permissions=["add"])
    def run_again(self, request, queryset):
        queued = sum(import_run_again(run=run) for run in queryset
                     if import_kind_may_run(user=request.user, kind=run.kind))
        self.message_user(request, f"{queued} import(s) queued again; {queryset.count() - queued} were neither "
                                   "failed nor stuck, or their file is gone.",
                          messages.SUCCESS if queued else messages.WARNING)

    def has_change_permission(self, request, obj=None):
        return False  # a run is a record; "Import now" is its own view

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # What a run writes is the model of its kind: the right to add a run is only the right to
    # import the kinds whose rows the user may write (messaging.audience.import_rights).
    def has_add_permission(self, request):
        return bool(import_kinds_may_run(user=request.user, kinds=UPLOAD_KINDS))

    def get_queryset(self, request):
        # A run's preview and errors list the file's rows: shown only to who may read those rows.
        return super().get_queryset(request).filter(kind__in=import_kinds_may_view(user=request.user))

    def get_urls(self):
        return [path("<int:pk>/confirm/", self.admin_site.admin_view(self.confirm_view),
                     name="messaging_importrun_confirm"),
                path("<int:pk>/again/", self.admin_site.admin_view(self.again_view),
                     name="messaging_importrun_again"), *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        form.limit_kinds(import_kinds_may_run(user=request.user, kinds=UPLOAD_KINDS))
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            run = import_run_receive(kind=form.cleaned_data["kind"], pieces=upload.chunks(), name=upload.name,
                                     source="admin", scope=form.cleaned_data.get("scope", ""), created_by=request.user,
                                     confirm=True)
            return redirect(reverse("admin:messaging_importrun_change", args=[run.pk]))
        return TemplateResponse(request, "admin/messaging/importrun/upload.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "title": "Import contacts or the allow-list from CSV"})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = get_object_or_404(self.get_queryset(request), pk=object_id)
        extra = {"run": run, "preview": run.options.get("preview", []),
                 "can_confirm": (run.status == m.ImportStatus.CHECKED
                                 and import_kind_may_run(user=request.user, kind=run.kind)),
                 "can_run_again": (import_run_stuck_or_failed(run)
                                   and import_kind_may_run(user=request.user, kind=run.kind)),
                 "refresh": run.status in (m.ImportStatus.QUEUED, m.ImportStatus.RUNNING)}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def confirm_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        if not import_kind_may_run(user=request.user, kind=run.kind):
            raise PermissionDenied  # someone else's allow-list file, confirmed by a dispatcher
        if import_run_confirm(run=run):
            self.message_user(request, "Importing; this page shows the progress.", messages.SUCCESS)
        else:
            self.message_user(request, f"This import is already {run.get_status_display().lower()}.", messages.WARNING)
        return redirect(reverse("admin:messaging_importrun_change", args=[pk]))

    def again_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        if not import_kind_may_run(user=request.user, kind=run.kind):
            raise PermissionDenied  # a run again writes the rows of its kind, as confirming does
        if import_run_again(run=run):
            self.message_user(request, "Queued again; this page shows the progress.", messages.SUCCESS)
        else:
            self.message_user(request, "This import is neither failed nor stuck, or its file is gone.",
                              messages.WARNING)
        return redirect(reverse("admin:messaging_importrun_change", args=[pk]))
