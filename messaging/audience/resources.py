"""Contacts and the allow-list as CSV for the admin's export (django-import-export).

Imports do not go through import-export's row-by-row machinery: a file of 100,000 contacts
would be 100,000 model saves. They use ``messaging.audience.imports`` (checked whole, written in
bulk), with the same rules as the shift import: a preview first, every bad line by number and
field, nothing half-imported.
"""

from __future__ import annotations

from import_export import fields, resources

from messaging.models import AllowListEntry, Contact
from messaging.values.spreadsheets import spreadsheet_safe


class SafeExportResource(resources.ModelResource):
    """Every exported cell through messaging.values.spreadsheets. import-export's own
    IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips one leading ``=``, so ``==HYPERLINK(…)``
    or ``@SUM(…)`` would still run."""

    def export_field(self, field, instance, **kwargs):
        # Names and tags come from CSV files and the API, i.e. from anyone with a key; the export
        # is opened in a spreadsheet by someone else.
        return spreadsheet_safe(super().export_field(field, instance, **kwargs))


class ContactResource(SafeExportResource):
    tags = fields.Field(column_name="tags")

    class Meta:
        model = Contact
        fields = ["name", "phone", "email", "whatsapp", "tags", "locale", "number_type", "carrier"]
        export_order = fields

    def dehydrate_tags(self, contact: Contact) -> str:
        return ";".join(sorted(t.name for t in contact.tags.all()))


class AllowListResource(SafeExportResource):
    class Meta:
        model = AllowListEntry
        fields = ["phone", "scope"]
        export_order = fields
