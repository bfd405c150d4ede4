"""tinhso.core.markup writes what django.utils.html writes, for every kind of value a table cell holds."""

from datetime import date

import pytest
from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override

from tinhso.core import markup

VALUES = [
    "Sở Tư pháp",
    "a <b> & \"c\" 'd'",
    *"&<>\"'",  # each character that needs escaping, alone in a value
    mark_safe("<strong>safe</strong>"),
    django_html.format_html('<a href="{}">{}</a>', "/x?a=1&b=2", "<x>"),
    gettext_lazy("Tử số"),
    lazy(lambda: mark_safe("<em>lazy safe</em>"), str)(),
    lazy(lambda: "<i>lazy</i>", str)(),
    12,
    -3,
    85.25,
    float("nan"),
    True,  # a bool is an int, but not of type int
    None,
    date(2026, 10, 1),
    "—",
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_is_written_as_format_html_writes_it(value):
    template = '<td class="num" data-label="{}">{}</td>'
    with override("en"):
        ours, theirs = (
            markup.format_html(template, value, value),
            django_html.format_html(template, value, value),
        )
    assert ours == theirs
    assert isinstance(ours, SafeString)


def test_rows_are_joined_as_format_html_join_joins_them():
    rows = [(value, index) for index, value in enumerate(VALUES)]
    for separator in ("\n", "<br>", mark_safe("<br>")):
        ours = markup.format_html_join(separator, "<tr><td>{}</td><td>{}</td></tr>", rows)
        assert ours == django_html.format_html_join(separator, "<tr><td>{}</td><td>{}</td></tr>", rows)
        assert isinstance(ours, SafeString)
