"""CSV import of shifts (django-import-export): create-only, validated row by row."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from import_export import fields, resources, widgets

from messaging.values.spreadsheets import spreadsheet_safe
from shifts.codes import shift_code_validate
from shifts.models import Shift


class ShiftCodeWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return shift_code_validate(str(value or ""))
        except ValidationError as exc:
            raise ValueError(" ".join(exc.message_dict["code"])) from exc


class LocalDateTimeWidget(widgets.Widget):
    """ISO 8601 ('2026-11-24 08:00' or with an offset); a naive time is read in the row's time_zone."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        dt = parse_datetime(text.replace("T", " ", 1) if "T" in text else text)
        if dt is None:
            raise ValueError(f"{text!r} is not a date and time; use e.g. 2026-11-24 08:00 or 2026-11-24T08:00+01:00.")
        if timezone.is_naive(dt):
            name = (row or {}).get("time_zone") or settings.TIME_ZONE
            try:
                zone = zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)  # the time_zone column reports the bad name
            dt = timezone.make_aware(dt, zone)
        return dt

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class TimeZoneWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        name = str(value or "").strip()
        if name:
            try:
                zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"Unknown time zone {name!r}; use an IANA name such as Europe/London.") from exc
        return name


class ShiftResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="code", widget=ShiftCodeWidget())
    starts_at = fields.Field(attribute="starts_at", column_name="starts_at", widget=LocalDateTimeWidget())
    ends_at = fields.Field(attribute="ends_at", column_name="ends_at", widget=LocalDateTimeWidget())
    time_zone = fields.Field(attribute="time_zone", column_name="time_zone", widget=TimeZoneWidget())

    class Meta:
        model = Shift
        fields = ["code", "info", "starts_at", "ends_at", "time_zone", "location", "status", "booked_phone"]
        import_order = ["code", "info", "starts_at", "ends_at", "time_zone", "location"]
        export_order = fields
        import_id_fields = ["code"]
        clean_model_instances = True  # full_clean: the case-insensitive unique code, ends after starts
        use_transactions = True
        skip_unchanged = False
        report_skipped = True

    def export_field(self, field, instance, **kwargs):
        # Shift text comes from CSV imports and the API, i.e. from anyone who can create a shift;
        # the export is opened in a spreadsheet by someone else.
        return spreadsheet_safe(super().export_field(field, instance, **kwargs))

    def get_import_fields(self):
        # Status and booker are exported for the board but never imported: a CSV adds open shifts.
        return [f for f in super().get_import_fields() if f.column_name not in ("status", "booked_phone")]

    def get_instance(self, instance_loader, row):
        # Create-only: an existing code is a duplicate (reported by full_clean), never an update
        # that could silently change a shift someone has booked.
        return None
