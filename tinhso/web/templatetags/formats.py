"""The platform's formats as template filters, built into every template (settings: TEMPLATES builtins):
{{ dossier.submitted_at|moment }}, {{ report.due_at|day }}, {{ procedure.fee|money }}, {{ value|form_value }}."""

from django import template

from tinhso.core import formats

register = template.Library()
register.filter("day", formats.day)
register.filter("moment", formats.moment)
register.filter("money", formats.money)
register.filter("form_value", formats.form_value)


@register.filter
def amount(value: object, decimals: int = 0) -> str:
    """A number with the language's separators: {{ count|amount }}, {{ rate|amount:1 }}."""
    return formats.number(value, int(decimals))  # type: ignore[arg-type]
