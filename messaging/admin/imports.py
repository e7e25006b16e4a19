"""Imports from CSV in the admin: upload, preview, confirm, then watch the run's progress.

The admin only calls ``messaging.audience.imports``: the upload is checked whole
(``import_run_check``), the run page shows the preview or every bad line, and "Import now"
(``import_run_confirm``) hands the write to a django-q2 task whose progress the page shows.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from messaging import models as m
from messaging.audience.import_rights import import_kind_may_run, import_kinds_may_run, import_kinds_may_view
from messaging.audience.imports import import_run_check, import_run_confirm

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # 100,000 contacts are about 5 MB


UPLOAD_KINDS = (m.ImportKind.CONTACTS, m.ImportKind.ALLOW_LIST)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in UPLOAD_KINDS], initial=m.ImportKind.CONTACTS)
    file = forms.FileField(help_text="CSV, UTF-8. Contacts: name,phone[,email,whatsapp,tags] (tags separated "
                                     "by ;). Allow-list: phone[,scope].")
    scope = forms.ChoiceField(choices=[("", "from the file's scope column"), *m.AllowListScope.choices],
                              required=False, help_text="Allow-list only: one scope for every number.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload

    def limit_kinds(self, kinds: list[str]) -> None:
        """Offer (and accept) only ``kinds``: a forged kind is a form error, like any bad choice."""
        self.fields["kind"].choices = [(k.value, k.label) for k in UPLOAD_KINDS if k in kinds]
        if m.ImportKind.ALLOW_LIST not in kinds:
            del self.fields["scope"]


@admin.register(m.ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "source", "status", "progress", "created", "updated", "created_at"]
    list_filter = ["kind", "source", "status"]
    readonly_fields = ["kind", "source", "name", "status", "progress", "created", "updated", "error", "errors",
                       "notification", "created_by", "created_at", "finished_at"]
    exclude = ["options", "total", "done"]
    change_form_template = "admin/messaging/importrun/change_form.html"

    @admin.display(description="progress")
    def progress(self, obj):
        return f"{obj.done:,} of {obj.total:,}" if obj.total else "–"

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
                     name="messaging_importrun_confirm"), *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        form.limit_kinds(import_kinds_may_run(user=request.user, kinds=UPLOAD_KINDS))
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            run = import_run_check(kind=form.cleaned_data["kind"], data=upload.read(), name=upload.name,
                                   scope=form.cleaned_data.get("scope", ""), created_by=request.user)
            return redirect(reverse("admin:messaging_importrun_change", args=[run.pk]))
        return TemplateResponse(request, "admin/messaging/importrun/upload.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "title": "Import contacts or the allow-list from CSV"})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = get_object_or_404(self.get_queryset(request), pk=object_id)
        extra = {"run": run, "preview": run.options.get("preview", []),
                 "can_confirm": (run.status == m.ImportStatus.CHECKED
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
