"""Email in: each received email (read-only, as stored) and the auto-reply rules."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from messaging import models as m
from messaging.admin.inbound import ReadOnlyAdminMixin
from messaging.email_in.rules import auto_reply_match_clean, auto_reply_text_clean


def _link(obj, label: str):
    if obj is None:
        return "—"
    url = reverse(f"admin:messaging_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html("<a href='{}'>{}</a>", url, label)


@admin.register(m.InboundEmail)
class InboundEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "from_address", "subject", "contact", "short_outcome"]
    list_filter = ["received_at", "spam_verdict", "virus_verdict"]
    search_fields = ["=from_address", "subject", "=ses_message_id"]
    date_hierarchy = "received_at"
    list_select_related = ["contact"]
    fields = ["received_at", "from_name", "from_address", "envelope_from", "to", "recipients", "subject",
              "contact", "outcome", "auto_reply_link", "routed_link", "text_body", "html_source", "message_id",
              "in_reply_to", "references", "verdicts", "where_stored", "header_table", "ses_message_id",
              "notification"]
    readonly_fields = fields

    @admin.display(description="outcome")
    def short_outcome(self, obj):
        return obj.outcome[:100]

    @admin.display(description="auto-reply")
    def auto_reply_link(self, obj):
        return _link(obj.auto_reply, f"message #{obj.auto_reply_id}")

    @admin.display(description="routed as")
    def routed_link(self, obj):
        return _link(obj.routed, f"inbound #{obj.routed_id}: {obj.routed.outcome[:80]}" if obj.routed else "")

    @admin.display(description="HTML (source, not rendered)")
    def html_source(self, obj):
        return format_html("<pre style='white-space:pre-wrap;margin:0'>{}</pre>", obj.html_body[:20000])

    @admin.display(description="SES verdicts")
    def verdicts(self, obj):
        return (f"spam {obj.spam_verdict or '—'}, virus {obj.virus_verdict or '—'}, SPF {obj.spf_verdict or '—'}, "
                f"DKIM {obj.dkim_verdict or '—'}, DMARC {obj.dmarc_verdict or '—'}")

    @admin.display(description="raw MIME")
    def where_stored(self, obj):
        if obj.s3_key:
            return f"s3://{obj.s3_bucket}/{obj.s3_key}"
        return f"{obj.size} bytes, stored here" if obj.size is not None else "—"

    @admin.display(description="headers")
    def header_table(self, obj):
        rows = format_html_join("", "<tr><th style='text-align:left'>{}</th><td>{}</td></tr>",
                                ((n, v) for n, v in obj.headers[:200]))
        return format_html("<table>{}</table>", rows)


class EmailAutoReplyForm(forms.ModelForm):
    class Meta:
        model = m.EmailAutoReply
        fields = ["match", "subject_prefix", "text", "html", "enabled"]

    def clean_match(self):
        return auto_reply_match_clean(self.cleaned_data["match"])

    def clean_text(self):
        return auto_reply_text_clean(self.cleaned_data["text"], field="text")

    def clean_html(self):
        return auto_reply_text_clean(self.cleaned_data["html"], field="html")


@admin.register(m.EmailAutoReply)
class EmailAutoReplyAdmin(admin.ModelAdmin):
    form = EmailAutoReplyForm
    list_display = ["match", "subject_prefix", "enabled", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["match"]


@admin.register(m.AutoReplySent)
class AutoReplySentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was auto-answered when: a sender is answered again only AUTO_REPLY_DAYS after this."""

    list_display = ["sender", "last_at"]
    search_fields = ["sender"]
