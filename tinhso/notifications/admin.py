"""Administrators edit the proactive rules (on or off, lead time, message) and the message templates in the
admin site."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tinhso.notifications.models import MessageTemplate, ProactiveRule
from tinhso.notifications.texts import PLACEHOLDERS, SPECS


@admin.register(ProactiveRule)
class ProactiveRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active", "lead_days", "last_run_at")
    list_editable = ("active", "lead_days")
    readonly_fields = ("code", "kind", "last_run_at")
    fields = (
        "code",
        "kind",
        "name",
        "active",
        "lead_days",
        "message",
        "message_en",
        "legal_basis",
        "procedure_code",
        "link",
        "params",
        "last_run_at",
    )


class MessageTemplateForm(forms.ModelForm):
    key = forms.ChoiceField(
        label=_("loại thông báo"), choices=lambda: [(key, spec.label) for key, spec in SPECS.items()]
    )

    class Meta:
        model = MessageTemplate
        fields = ("key", "channel", "language", "subject", "body")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """A template that names a value its kind does not offer, or an SMS that would not fit two segments, is
    refused beside its field (MessageTemplate.clean). Deleting a row brings back the default text."""

    form = MessageTemplateForm
    list_display = ("kind", "channel", "language", "subject", "updated_at")
    list_filter = ("language", "channel", "key")
    search_fields = ("key", "subject", "body")
    fields = ("key", "channel", "language", "placeholders", "subject", "body")
    readonly_fields = ("placeholders",)
    ordering = ("key", "channel", "language")

    @admin.display(description=_("loại thông báo"), ordering="key")
    def kind(self, template: MessageTemplate) -> str:
        spec = SPECS.get(template.key)
        return str(spec.label) if spec else template.key

    @admin.display(description=_("chỗ điền dùng được"))
    def placeholders(self, template: MessageTemplate | None) -> SafeString:
        spec = SPECS.get(template.key) if template else None
        names = spec.placeholders if spec else tuple(PLACEHOLDERS)
        return format_html_join(
            ", ", "<code>{{{}}}</code>: {}", ((name, PLACEHOLDERS[name][0]) for name in names)
        )
