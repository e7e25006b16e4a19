"""The shift manager's admin: the shift board, CSV import, the campaign composer and its progress."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from import_export.admin import ImportExportMixin

from messaging.admin.badges import status_badge
from messaging.audience.personal import contact_template_examples
from messaging.outbound.parts import sms_parts
from messaging.outbound.wording import line_breaks_normalize
from shifts import (
    admin_cover_asks,  # noqa: F401  (registers the cover requests' admin)
    selectors,
    services,
)
from shifts.admin_cover import cover_view
from shifts.codes import shift_code_validate
from shifts.models import CampaignStatus, Shift, ShiftCampaign
from shifts.resources import ShiftResource
from shifts.texts import shift_when

_SHIFT_COLOURS = {"available": "delivered", "taken": "sent", "cancelled": "cancelled", "expired": "queued"}


class ShiftForm(forms.ModelForm):
    class Meta:
        model = Shift
        fields = ["code", "info", "starts_at", "ends_at", "time_zone", "location", "notify_manager",
                  "notify_channel"]

    def clean_code(self):
        code = self.cleaned_data["code"]
        try:
            return shift_code_validate(code)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["code"]) from exc

    def clean(self):
        data = super().clean()
        try:
            services.shift_notify_validate(notify_manager=data.get("notify_manager"),
                                           notify_channel=data.get("notify_channel"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


@admin.register(Shift)
class ShiftAdmin(ImportExportMixin, admin.ModelAdmin):
    """The shift board."""

    form = ShiftForm
    resource_classes = [ShiftResource]
    import_template_name = "admin/shifts/shift/import.html"
    # Who booked it and when before the description columns: on a laptop they are what is read.
    list_display = ["code", "status_badge", "booked_by", "booked_at", "when", "info", "location", "campaign"]
    list_filter = ["status", "starts_at", "location", "campaign"]
    search_fields = ["code", "info", "location", "booked_phone", "booked_by__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["booked_by", "campaign"]
    autocomplete_fields = ["notify_manager"]
    readonly_fields = ["status", "booked_phone", "booked_by", "booked_at", "campaign", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "info", "starts_at", "ends_at", "time_zone", "location"]}),
        ("When it is taken", {"fields": ["notify_manager", "notify_channel"]}),
        ("Booking", {"fields": ["status", "booked_phone", "booked_by", "booked_at", "campaign"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["release_shifts", "cancel_shifts"]

    def has_import_permission(self, request):
        # Importing adds shifts; without this, import-export lets any staff user import.
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        # The export is the whole board with who booked what; without this, import-export lets
        # any staff user download it.
        return self.has_view_permission(request)

    @admin.display(description="when", ordering="starts_at")
    def when(self, obj):
        return shift_when(obj) or "—"

    @admin.display(description="booked by", ordering="booked_by__name")
    def booked_by(self, obj):
        """The booker's name and number in one column (a number alone when no contact has it)."""
        if obj.booked_by_id:
            return f"{obj.booked_by.name} ({obj.booked_phone or obj.booked_by.phone})"
        return obj.booked_phone or "—"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(_SHIFT_COLOURS.get(obj.status, obj.status), obj.get_status_display())

    @admin.action(description="Make the selected taken shifts available again", permissions=["change"])
    def release_shifts(self, request, queryset):
        n = sum(services.shift_release(shift=s) for s in queryset)
        self.message_user(request, f"Released {n} shift(s).", messages.SUCCESS)

    @admin.action(description="Cancel the selected available shifts", permissions=["change"])
    def cancel_shifts(self, request, queryset):
        n = services.shifts_cancel(shifts=queryset)
        self.message_user(request, f"Cancelled {n} shift(s).", messages.SUCCESS)


class CampaignForm(forms.ModelForm):
    """The composer. A draft nobody has written a message for keeps following its shifts: the box
    shows the composed text, and sending it back unchanged stores nothing, so choosing other
    shifts later changes the text. Only a text the manager edited is kept as written."""

    class Meta:
        model = ShiftCampaign
        fields = ["name", "tag", "shifts", "message", "send_at"]
        widgets = {"message": forms.Textarea(attrs={"rows": 6, "cols": 80})}
        help_texts = {"message": "Composed from the chosen shifts, and it follows them while you leave it as it "
                                 "is (or empty). Edit it to write your own; {name} is each contact's name."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "shifts" in self.fields:
            self.fields["shifts"].queryset = selectors.shifts_available()
        self._shown_composed = ""
        if self.instance.pk and not self.instance.message.strip():
            self._shown_composed = services.campaign_message_current(campaign=self.instance)
            self.initial["message"] = self._shown_composed

    def clean(self):
        data = super().clean()
        if "message" not in data:
            return data
        if not data["message"].strip() and not selectors.campaign_has_shifts_to_list(shifts=data.get("shifts")):
            self.add_error("message", "There are no open shifts to list; write the message.")
            return data
        chosen = list(data.get("shifts") or [])
        data["message"] = services.campaign_message_to_store(
            message=data["message"],
            composed=[self._shown_composed, services.campaign_message_default(shifts=chosen or None)])
        return data

    def clean_message(self):
        message = self.cleaned_data.get("message") or ""
        try:
            return services.campaign_message_validate(message=message)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["message"]) from exc

    def clean_send_at(self):
        try:
            return services.campaign_send_at_validate(send_at=self.cleaned_data.get("send_at"))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["send_at"]) from exc


@admin.register(ShiftCampaign)
class ShiftCampaignAdmin(admin.ModelAdmin):
    """The campaign composer: draft → preview and confirm → send (now or at send_at) → progress."""

    form = CampaignForm
    list_display = ["name", "tag", "status_badge", "recipients", "progress_summary", "send_at", "sent_at",
                    "created_at"]
    list_filter = ["status", "tag", "created_at"]
    search_fields = ["name", "message"]
    filter_horizontal = ["shifts"]
    autocomplete_fields = ["tag"]
    readonly_fields = ["preview", "status", "recipients", "sent_at", "created_by", "created_at", "progress_link"]
    change_form_template = "admin/shifts/shiftcampaign/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj and not selectors.campaign_is_unsent(campaign=obj):
            return ["name", "tag", "shifts", "message", "send_at", *self.readonly_fields]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        fields = ["name", "tag", "shifts", "message", "send_at"]
        if obj is None:
            return fields
        return [*fields, "preview", "status", "recipients", "sent_at", "progress_link", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the preview-and-confirm page: that is the next thing a manager does.
        self.message_user(request, "Draft saved. Check the preview and audience, then send.", messages.SUCCESS)
        return redirect("admin:shifts_shiftcampaign_send", obj.pk)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        colour = {"draft": "queued", "scheduled": "pending", "sending": "sent", "sent": "delivered",
                  "cancelled": "cancelled"}[obj.status]
        return status_badge(colour, obj.get_status_display())

    @admin.display(description="progress")
    def progress_summary(self, obj):
        if obj.status not in (CampaignStatus.SENDING, CampaignStatus.SENT):
            return "—"
        p = selectors.campaign_progress(campaign=obj)
        return f"{p['sent']} sent, {p['delivered']} delivered, {p['failed']} failed, {p['booked']} booked"

    @admin.display(description="preview")
    def preview(self, obj):
        text = services.campaign_message_current(campaign=obj)
        count = sms_parts(text)
        follows = "" if obj.message.strip() else " · follows the chosen shifts"
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>{} characters, {}, {} SMS part(s){}",
                           text, len(text), count.encoding, count.parts, follows)

    def preview_view(self, request):
        """The message as the form stands (shifts chosen, text typed), before any save: the
        composer's live preview."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        ids = [int(i) for i in request.GET.getlist("shifts") if i.isdigit()]
        typed = line_breaks_normalize(request.GET.get("message", ""))
        composed = [request.GET.get("shown", "")]
        shifts = list(selectors.shifts_available().filter(pk__in=ids))
        composed.append(services.campaign_message_default(shifts=shifts or None))
        own = services.campaign_message_to_store(message=typed, composed=composed)
        text = own or composed[-1]
        count = sms_parts(text)
        return JsonResponse({"text": text, "characters": len(text), "parts": count.parts,
                             "encoding": count.encoding, "follows_shifts": not own})

    @admin.display(description="progress")
    def progress_link(self, obj):
        if obj.status in (CampaignStatus.SENDING, CampaignStatus.SENT):
            return format_html('<a href="{}">Live progress</a>',
                               reverse("admin:shifts_shiftcampaign_progress", args=[obj.pk]))
        return "—"

    # ------------------------------------------------------------ send and progress views

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The composer counts the recipients whose bookings would be ignored, before sending.
        campaign = ShiftCampaign.objects.select_related("tag").filter(pk=object_id).first()
        extra = {}
        if campaign is not None and selectors.campaign_is_unsent(campaign=campaign):
            extra = {"audience": selectors.campaign_audience_size(tag=campaign.tag), "campaign": campaign,
                     "can_allow": request.user.has_perm("messaging.add_allowlistentry")}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def get_urls(self):
        extra = [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="shifts_shiftcampaign_preview"),
            path("<int:pk>/send/", self.admin_site.admin_view(self.send_view), name="shifts_shiftcampaign_send"),
            path("<int:pk>/progress/", self.admin_site.admin_view(self.progress_view),
                 name="shifts_shiftcampaign_progress"),
            path("<int:pk>/progress.json", self.admin_site.admin_view(self.progress_json),
                 name="shifts_shiftcampaign_progress_json"),
            path("cover/", self.admin_site.admin_view(lambda request: cover_view(self, request)),
                 name="shifts_shiftcampaign_cover"),
        ]
        return extra + super().get_urls()

    def has_send_permission(self, request):
        return request.user.has_perm("shifts.send_shiftcampaign")

    def send_view(self, request, pk: int):
        campaign = get_object_or_404(ShiftCampaign.objects.select_related("tag"), pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        can_send = self.has_send_permission(request)
        if request.method == "POST" and "allow_all" in request.POST:
            # The one click that lets the whole audience book: only for who keeps the allow-list.
            if not request.user.has_perm("messaging.add_allowlistentry"):
                raise PermissionDenied
            added = services.campaign_audience_allow(tag=campaign.tag)
            self.message_user(request, f"Added {added} recipient(s) to the shifts allow-list; "
                                       "their bookings will count.", messages.SUCCESS)
            return redirect("admin:shifts_shiftcampaign_send", campaign.pk)
        if request.method == "POST":
            if not can_send:
                raise PermissionDenied
            try:
                done = services.campaign_confirm(campaign=campaign, send_now="now" in request.POST)
            except ValidationError as exc:  # a draft saved before the length cap existed
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return redirect("admin:shifts_shiftcampaign_change", campaign.pk)
            if done.outcome == "scheduled":
                self.message_user(request, f"Scheduled for {timezone.localtime(campaign.send_at):%Y-%m-%d %H:%M}.",
                                  messages.SUCCESS)
                return redirect("admin:shifts_shiftcampaign_change", campaign.pk)
            if done.outcome == "refused":
                self.message_user(request, f"This campaign is already {campaign.get_status_display().lower()}.",
                                  messages.WARNING)
            else:
                self.message_user(request, f"Sending to {done.recipients} contact(s).", messages.SUCCESS)
            return redirect("admin:shifts_shiftcampaign_progress", campaign.pk)
        text = services.campaign_message_current(campaign=campaign)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Send “{campaign.name}”?",
            "campaign": campaign,
            "text": text,
            "parts": sms_parts(text),
            "audience": selectors.campaign_audience_size(tag=campaign.tag),
            # Placeholders ({name}): a few messages as their recipients will read them.
            "personal": contact_template_examples(text=text,
                                                  phones=selectors.campaign_audience(tag=campaign.tag)),
            "can_send": can_send and selectors.campaign_is_unsent(campaign=campaign),
            "scheduled": selectors.campaign_is_due_later(campaign=campaign),
            "can_allow": request.user.has_perm("messaging.add_allowlistentry"),
        }
        return TemplateResponse(request, "admin/shifts/shiftcampaign/send_confirm.html", context)

    def progress_view(self, request, pk: int):
        campaign = get_object_or_404(ShiftCampaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Progress of “{campaign.name}”",
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign=campaign),
        }
        return TemplateResponse(request, "admin/shifts/shiftcampaign/progress.html", context)

    def progress_json(self, request, pk: int):
        campaign = get_object_or_404(ShiftCampaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        return JsonResponse(selectors.campaign_progress(campaign=campaign))
