"""Links to pages without arguments, built into every template (settings: TEMPLATES builtins):
{% page_url "core:logout" %} gives what {% url "core:logout" %} gives, reversed once per process."""

from django import template

from tinhso.core.display import page_url

register = template.Library()
register.simple_tag(page_url, name="page_url")
