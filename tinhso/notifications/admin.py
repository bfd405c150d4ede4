"""Administrators edit the proactive rules (on or off, lead time, message) in the admin site."""

from django.contrib import admin

from tinhso.notifications.models import ProactiveRule


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
