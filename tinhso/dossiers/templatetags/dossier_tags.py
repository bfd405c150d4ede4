"""The dossier lists' long tables and cards, written as the IOC's are (tinhso.core.markup): a template's
lookups and tags cost about 130 Python calls a row of the queue (about 250 a citizen's card), these a few."""

from collections.abc import Mapping, Sequence

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tinhso.core.markup import format_html, format_html_join

register = template.Library()


@register.simple_tag
def queue_rows(lines: Sequence[Mapping[str, object]]) -> SafeString:
    """The queue's rows (dossiers.views.QueueLine): code and link, procedure, state and step, due time with
    its overdue or near-due tag."""
    overdue = format_html(' <span class="tag tag-overdue">{}</span>', _("Quá hạn"))
    near_due = format_html(' <span class="tag tag-near">{}</span>', _("Sắp đến hạn"))
    return format_html_join(
        "\n",
        '<tr{}>\n  <td class="code"><a href="{}">{}</a></td>\n  <td>{}</td>\n  <td>{}</td>\n  <td>{}{}</td>\n</tr>',
        (
            (
                SafeString(' class="is-overdue"') if line["overdue"] else "",
                line["url"],
                line["code"],
                line["procedure"],
                line["state"],
                line["due"],
                overdue if line["overdue"] else near_due if line["near_due"] else "",
            )
            for line in lines
        ),
    )


@register.simple_tag
def options(choices: Sequence[tuple[object, object]], chosen: object) -> SafeString:
    """The <option>s of one of the queue filter's lists (procedures, statuses), the chosen value selected."""
    selected = SafeString(" selected")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, selected if value == chosen else "", label) for value, label in choices),
    )


@register.simple_tag
def my_cards(lines: Sequence[Mapping[str, object]]) -> SafeString:
    """The citizen's cards (dossiers.views.MyLine): procedure and link, code and submission time, status, the
    promised day and the link to pay a fee owed."""
    submitted, promised, pay = _("nộp lúc"), _("hẹn trả"), _("Nộp phí, lệ phí")
    return format_html_join(
        "",
        '\n  <li class="card">\n    <h2><a href="{}">{}</a></h2>\n    <p class="muted">{} · {} {}</p>\n'
        "    <p><strong>{}</strong>{}{}</p>\n  </li>\n  ",
        (
            (
                line["url"],
                line["procedure"],
                line["code"],
                submitted,
                line["submitted"],
                line["status"],
                format_html(" · {} {}", promised, line["promised"]) if line["promised"] else "",
                format_html(' · <a href="{}#thanh-toan">{}</a>', line["url"], pay) if line["owing"] else "",
            )
            for line in lines
        ),
    )
