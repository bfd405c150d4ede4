"""Formatting for the IOC pages: rates as Vietnamese percentages, links carrying the filters."""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tinhso.core import caching, display, formats
from tinhso.core.display import page_url, url_setting
from tinhso.core.markup import escaped, format_html_join

if TYPE_CHECKING:  # ioc.figures writes its links with ioc_url
    from tinhso.ioc import figures

register = template.Library()


register.filter("percent", formats.percent)
register.filter("number", formats.figure)


@register.simple_tag
def ioc_url(name: str, **params) -> str:
    """A page of the IOC with the given filters (empty ones left out), so every view has its own URL."""
    query = {key: value for key, value in params.items() if value not in ("", None)}
    return page_url(f"ioc:{name}") + ("?" + urlencode(query) if query else "")


@register.filter
def day_and_time(instant: datetime | None, empty: str = "—") -> str:
    """An instant as dd/mm/yyyy hh:mm in the current time zone, `empty` when there is none."""
    return display.day_and_time(instant, empty)


# The dashboard's tiles and tables are written one tag each: an include or a template loop per row cost a
# lookup, an escape and a render per cell, and a translation per label. Their cells come escaped (ioc.figures).

_SCORE_TILE = (
    '\n  <div class="ioc-tile" id="ioc-score">\n    <h2>{}</h2>\n    <p class="big"><a href="#ioc-groups" '
    'data-testid="score">{}</a><small> / {}</small></p>\n    <p class="muted">{}</p>\n'
    '    <p class="ioc-asof">{}</p>\n  </div>\n  '
)
_TILE = (
    '\n  <div class="ioc-tile">\n    <h2>{}</h2>\n    <p class="big"><a href="#group-{}">{}</a><small> / {}</small></p>'
    '\n    {}\n    <p class="ioc-asof">{}</p>\n  </div>\n  '
)


@register.simple_tag
def score_tiles(card: "figures.Card", tiles: "list[figures.Tile]", as_of_note: str) -> SafeString:
    """The index's score, then a tile per group: its score, its points and how many of them have data."""
    index = _SCORE_TILE.format(
        escaped(_("Điểm Bộ chỉ số")), card["score"], card["computable_points"], card["score_note"], as_of_note
    )
    return SafeString(
        index
        + "".join(
            _TILE.format(
                name, code, score, points, f'<p class="muted">{note}</p>' if note else "", as_of_note
            )
            for code, name, score, points, note in tiles
        )
    )


# One format per row, each figure with its label.
_INDICATOR_ROW = "<tr><td>{}</td>" + '<td class="num" data-label="{}">{}</td>' * 4 + "</tr>"
_SECTION = (
    '\n    <tbody{}>\n      <tr><th colspan="5" scope="rowgroup">{}</th></tr>\n      {}\n    </tbody>\n    '
)


_INDICATORS = (
    '<table class="ioc-table ioc-indicators">\n    <thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
    '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>\n    {}\n  </table>'
)


@register.simple_tag
def indicator_table(sections: "list[figures.Section]") -> SafeString:
    """The indicators' table, a section per group and one for those outside the score: what each indicator
    counts, then its figures."""
    labels = escaped(_("Tử số")), escaped(_("Mẫu số")), escaped(_("Tỷ lệ")), escaped(_("Điểm"))
    numerator, denominator, rate, points = labels
    body = "".join(
        _SECTION.format(
            f' id="{section["id"]}"' if section["id"] else "",
            section["title"],
            "\n".join(
                _INDICATOR_ROW.format(about, numerator, n, denominator, d, rate, r, points, p)
                for about, n, d, r, p in section["rows"]
            ),
        )
        for section in sections
    )
    return SafeString(_INDICATORS.format(escaped(_("Chỉ số")), *labels, body))


_RANKING_ROW = (
    '{}<td>{}</td><td><a href="{}">{}</a></td><td class="num">{}</td>'
    '<td class="num"><a href="{}">{}</a></td><td class="num">{}</td><td class="num">{}</td>'
    '<td class="num">{}</td></tr>'
)
_RANKING = (
    '\n<p class="ioc-exports">{download} <a href="{csv}?{query}&amp;kind={kind}">CSV</a>'
    '<a href="{xlsx}?{query}&amp;kind={kind}">Excel</a></p>\n<div class="ioc-scroll">\n'
    '<table class="ioc-table ioc-ranking">\n  <thead><tr><th scope="col">#</th>{head}</tr></thead>\n'
    "  <tbody>\n  {ranked}\n  {none_ranked}\n  </tbody>\n  {unranked}\n</table>\n</div>\n"
    '<p class="ioc-asof">{as_of_note}</p>\n'
)
_UNRANKED = '\n  <tbody class="ioc-unranked">\n  <tr><th colspan="7" scope="rowgroup">{}</th></tr>\n  {}\n  </tbody>\n  '


@register.simple_tag
def ranking_table(ranking: "figures.Ranking", kind: str, query: str, as_of_note: str) -> SafeString:
    """A ranking with its downloads: rank, unit, score and the figures behind it, the units without records
    in the period apart."""
    columns = (
        _("Đơn vị"),
        _("Điểm"),
        _("Đúng hạn (2.1)"),
        _("Trực tuyến (3.2)"),
        _("Phản ánh đúng hạn"),
        _("Hồ sơ tiếp nhận"),
    )
    unranked = ranking["without_data"]
    count = len(unranked)
    title = ngettext(
        "%(units)s đơn vị chưa có hồ sơ trong kỳ (không xếp hạng)",
        "%(units)s đơn vị chưa có hồ sơ trong kỳ (không xếp hạng)",
        count,
    ) % {"units": count}  # the translation unescaped, as blocktranslate writes it
    rows = "\n".join(_RANKING_ROW.format(*row) for row in ranking["ranked"])
    return SafeString(
        _RANKING.format(
            download=escaped(_("Tải bảng:")),
            csv=export_url("ioc:ranking-export", "csv"),
            xlsx=export_url("ioc:ranking-export", "xlsx"),
            query=escaped(query),
            kind=escaped(kind),
            head="".join(f'<th scope="col">{escaped(column)}</th>' for column in columns),
            ranked=rows,
            none_ranked=""
            if rows
            else f'<tr><td colspan="7">{escaped(_("Không có đơn vị nào có hồ sơ trong kỳ."))}</td></tr>',
            unranked=_UNRANKED.format(title, "\n".join(_RANKING_ROW.format(*row) for row in unranked))
            if unranked
            else "",
            as_of_note=as_of_note,
        )
    )


@register.simple_tag
def export_url(name: str, fmt: str) -> str:
    """reverse(name, args=[fmt]) of a download, reversed once per process (see core.display.page_url)."""
    return _export_url(name, fmt, *url_setting())


@caching.memo("ioc.export_url", maxsize=64)
def _export_url(name: str, fmt: str, urlconf: str, prefix: str) -> str:
    return reverse(name, args=[fmt], urlconf=urlconf)


@register.simple_tag
def options(choices: "list[figures.Option]", selected: str) -> SafeString:
    """A filter's <option>s, the selected one marked."""
    return SafeString(
        "".join(
            f'<option value="{value}" selected>{label}</option>'
            if raw == selected
            else f'<option value="{value}">{label}</option>'
            for raw, value, label in choices
        )
    )


@register.simple_tag
def record_rows(rows: list[Any]) -> SafeString:
    """The drill-down's rows: the record, its unit, its dates and how it was judged."""
    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                row.url,
                row.code,
                row.title,
                row.unit,
                day_and_time(row.start, ""),
                day_and_time(row.deadline),
                day_and_time(row.end),
                row.verdict,
            )
            for row in rows
        ),
    )
