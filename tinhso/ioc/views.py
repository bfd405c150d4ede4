"""IOC pages: the index and its groups, rankings, trends, the commune map, drill-down lists, exports,
and the live feed (server-sent events) that tells an open dashboard to refresh."""

import functools
import hashlib
import json
import logging
import time
from datetime import datetime, timedelta
from html import escape  # what django.utils.html.escape calls, without its lazy-string wrapper per call
from typing import TypedDict
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection
from django.db.models import Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.core.auth import SignedInRequest
from tinhso.core.display import day_and_time
from tinhso.core.errors import DomainError, Forbidden, NotFound
from tinhso.core.models import AdminUnit, Event, User
from tinhso.core.parsing import BIGINT_MAX, whole_number
from tinhso.ioc import exports, periods, rules, selectors, services
from tinhso.ioc.models import Alert, ConsumerState
from tinhso.ioc.services import DOSSIER_STREAM, REPORT_STREAM, STATE_NAME
from tinhso.ioc.templatetags.ioc_tags import number, percent

logger = logging.getLogger(__name__)
LIVE_SECONDS = 25  # a stream ends after this; the browser reconnects, so no worker is held for long
LIVE_POLL = 0.5


def _filters(request: HttpRequest) -> dict:
    try:
        period = selectors.period_or_current(request.GET.get("period", ""), timezone.now())
    except DomainError as error:
        raise Http404(error.message) from None
    return {
        "unit_code": request.GET.get("unit", ""),
        "period": period,
        "sector": request.GET.get("sector", ""),
    }


def _guarded(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Forbidden as error:
        raise PermissionDenied(error.message) from None
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        raise Http404(error.message) from None


def _period_choices(now: datetime, selected: periods.Period) -> list[tuple[str, str]]:
    current = periods.of(now)
    months = current.previous_months(12)[::-1]
    quarters = [periods.of(now, "quarter")]
    for _step in range(3):
        quarters.append(periods.of(quarters[-1].start - timedelta(days=1), "quarter"))
    years = [periods.of(now, "year"), periods.Period(now.year - 1, 1, 12)]
    choices = months + quarters + years
    if selected not in choices:
        choices.insert(0, selected)
    return [(p.key, p.label()) for p in choices]


# The rows of the dashboard's tables are written here, one format string a row, as the template wrote them:
# the indicators' 27 rows and the rankings' 70-odd cost the template a lookup, an escape and a render per
# cell. Texts and links are escaped here; the figures come from number and percent, which write digits,
# separators, "%" and "—" only.


class Section(TypedDict):
    id: str  # "" for the indicators outside the score
    title: str  # "" for the indicators outside the score, whose title is translated in the template
    rows: SafeString


@functools.lru_cache(maxsize=256)
def _indicator_about(code: str, language: str) -> str:
    """The first cell of an indicator's row, the same on every page in a language: its code, name and formula."""
    i = rules.ALL[code]
    about = f"<strong>{escape(i.code)}</strong> {escape(str(i.name))}"
    formula = str(i.formula)
    if formula:
        rule = ""
        if i.points:
            full = {"points": number(i.points), "full": percent(i.full_at)}
            rule = "; " + escape(_("điểm = %(points)s × min(1, tỷ lệ ÷ %(full)s)") % full)
        about += f'<br><span class="ioc-formula">{escape(formula)}{rule}</span>'
    if i.source == "none":
        reason = f"{escape(_('Chưa tính được:'))} {escape(str(i.reason))}"
        about += f'<br><span class="ioc-formula">{reason}</span>'
    return about


def _indicator_row(value: rules.Value, records_url: str, tail: str) -> str:
    i = value.indicator
    about = _indicator_about(i.code, get_language())
    if not value.computable:
        figures = '<td class="num">—</td>' * 3
        figures += f'<td class="num">{escape(_("không tính được"))} / {number(i.points)}</td>'
        return f"<tr><td>{about}</td>{figures}</tr>"
    numerator, denominator = number(value.numerator), number(value.denominator)
    if i.drill:
        url = escape(f"{records_url}?{urlencode({'indicator': i.code})}{tail}")
        numerator = f'<a href="{url}" data-testid="numerator-{escape(i.code)}">{numerator}</a>'
        denominator = f'<a href="{url}">{denominator}</a>' if value.denominator is not None else "—"
    points = f"{number(value.points)} / {number(i.points)}" if i.points else "—"
    figures = "".join(
        f'<td class="num">{cell}</td>' for cell in (numerator, denominator, percent(value.rate), points)
    )
    return f"<tr><td>{about}</td>{figures}</tr>"


def _sections(card: selectors.Scorecard) -> list[Section]:
    """The scorecard's groups, then the indicators followed outside the score."""
    records_url = reverse("ioc:records")
    tail = _query_tail(unit=card.unit.code, period=card.period.key, sector=card.sector)

    def rows(values: list[rules.Value]) -> SafeString:
        return mark_safe("\n".join(_indicator_row(value, records_url, tail) for value in values))

    sections: list[Section] = [
        {
            "id": f"group-{group.code}",
            "title": f"{group.name} ({number(group.score)} / {number(group.points)})",
            "rows": rows(group.values),
        }
        for group in card.groups
    ]
    return [*sections, {"id": "", "title": "", "rows": rows(card.extra)}]


def _query_tail(**params: str) -> str:
    """`&key=value` for each filter given, as urlencode writes it: what follows the first one in a row's links."""
    query = urlencode({key: value for key, value in params.items() if value})
    return "&" + query if query else ""


_RANK_ROW = (
    '<tr><td>{n}</td><td><a href="{url}">{name}</a></td><td class="num">{score}</td>'
    '<td class="num"><a href="{on_time_url}">{on_time}</a></td><td class="num">{online}</td>'
    '<td class="num">{reports_on_time}</td><td class="num">{received}</td></tr>'
)


def _ranking_rows(rows: list[selectors.RankRow], card: selectors.Scorecard) -> SafeString:
    dashboard_url, records_url = reverse("ioc:dashboard"), reverse("ioc:records")
    tail = _query_tail(period=card.period.key, sector=card.sector)
    lines = []
    for n, row in enumerate(rows, 1):
        unit = urlencode({"unit": row.unit.code})
        lines.append(
            _RANK_ROW.format(
                n=n,
                url=escape(f"{dashboard_url}?{unit}{tail}"),
                name=escape(row.unit.name),
                score=number(row.score),
                on_time_url=escape(f"{records_url}?indicator=2.1&{unit}{tail}"),
                on_time=percent(row.on_time.rate),
                online=percent(row.online.rate),
                reports_on_time=percent(row.reports_on_time.rate),
                received=number(row.received),
            )
        )
    return mark_safe("\n".join(lines))


def _options(choices: list[tuple[str, str]], selected: str) -> SafeString:
    """A filter's <option>s (value, label), written here for the same reason as the ranking rows."""
    return mark_safe(
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>{escape(str(label))}</option>'
            for value, label in choices
        )
    )


_RECORD_ROW = (
    '<tr><td><a href="{url}">{code}</a></td><td>{title}</td><td>{unit}</td>'
    "<td>{start}</td><td>{deadline}</td><td>{end}</td><td>{verdict}</td></tr>"
)


def _record_rows(rows: list[selectors.RecordRow]) -> SafeString:
    """A drill-down page's 50 rows, written here for the same reason as the ranking rows."""
    return mark_safe(
        "\n".join(
            _RECORD_ROW.format(
                url=escape(row.url),
                code=escape(row.code),
                title=escape(row.title),
                unit=escape(row.unit),
                start=day_and_time(row.start, ""),
                deadline=day_and_time(row.deadline, "—"),
                end=day_and_time(row.end, "—"),
                verdict=escape(str(row.verdict)),
            )
            for row in rows
        )
    )


@functools.cache
def _state_and_newest_statement(vendor: str) -> tuple[str, tuple]:
    """Built once per process: building it took longer than PostgreSQL took to answer it."""
    states = ConsumerState.objects.filter(name=STATE_NAME).annotate(newest=Subquery(_newest_events()[:1]))
    return states.query.sql_with_params()


def _catch_up() -> tuple[int, ConsumerState | None]:
    """Applies events the background job has not yet reached, so a page never shows stale figures; the
    newest event id and where the rollups stand after. One statement reads both while the rollups exist."""
    current = next(iter(ConsumerState.objects.raw(*_state_and_newest_statement(connection.vendor))), None)
    newest = (current.newest or 0) if current is not None else _newest()
    if newest and (current is None or current.last_event_id < newest):
        services.consume_events()
        current = selectors.state()
    return newest, current


# Every open dashboard refetches its figures when the rollups move; leaders watching the same view share one
# render per worker and rollup state. Catalog indicators change without an event: they may lag this long.
DASHBOARD_SECONDS = 60


class DashboardParts(TypedDict):
    heading: SafeString  # title, breadcrumb and filters
    live: SafeString  # the figures the live feed refreshes


def _rendered_key(kind: str, current: ConsumerState | None, *view: object) -> str:
    """A key for something rendered from the rollups: their state and what else it depends on."""
    state = (current.last_event_id, current.horizon, current.updated_at) if current else None
    return f"ioc:{kind}:" + hashlib.sha256(repr((state, *view)).encode()).hexdigest()


def _dashboard_key(request: HttpRequest, roots: list[AdminUnit], current: ConsumerState | None) -> str:
    """What the rendered dashboard depends on: the rollups' state, the view asked for, whose units (the
    leader's top units decide what they may see), the language and the day (the period choices)."""
    view = (request.GET.urlencode(), [root.pk for root in roots], get_language(), timezone.localdate())
    return _rendered_key("dashboard", current, *view)


def _report_points(unit: AdminUnit, period: periods.Period, current: ConsumerState | None) -> SafeString:
    """The map's open reports as a JSON script (up to 2,000, most of a page's weight): whatever the sector
    or the map's indicator, so every view of a unit and period shares one per rollup state."""
    return caches["pages"].get_or_set(
        _rendered_key("reports", current, unit.pk, period.key, period.end),
        lambda: json_script(selectors.open_report_points(unit, period), "ioc-map-reports"),
        DASHBOARD_SECONDS,
    )


def _open_alerts(user: User, roots: list[AdminUnit], current: ConsumerState | None) -> list[Alert]:
    """The leader's open alerts, read once per rollup state: raising or clearing one records an event, so
    the state moves whenever they change, and every view of the same leader's units shares them."""
    return caches["pages"].get_or_set(
        _rendered_key("alerts", current, [root.pk for root in roots]),
        lambda: selectors.alerts_for(actor=user, roots=roots),
        DASHBOARD_SECONDS,
    )


def _dashboard_parts(
    request: SignedInRequest, roots: list[AdminUnit], current: ConsumerState | None
) -> DashboardParts:
    filters = _filters(request)
    map_kpi = request.GET.get("map", "2.1")
    if map_kpi not in rules.ALL or not rules.ALL[map_kpi].denominator:
        map_kpi = "2.1"
    page = _guarded(
        selectors.dashboard,
        actor=request.user,
        roots=roots,
        map_indicator=map_kpi,
        as_of=current.updated_at if current else None,
        report_points=False,
        **filters,
    )
    context = {
        "card": page.card,
        "filters": filters,
        "query": request.GET.urlencode(),
        "sections": _sections(page.card),
        "agencies": _ranking_rows(page.agencies, page.card),
        "communes": _ranking_rows(page.communes, page.card),
        "trend": page.trend,
        "map": page.map,
        "map_reports": _report_points(page.card.unit, page.card.period, current),
        "map_kpi": map_kpi,
        "map_options": _options(
            [(code, f"{code} · {i.name}") for code, i in rules.ALL.items() if i.denominator], map_kpi
        ),
        "alerts": _open_alerts(request.user, roots, current),
        "sector_options": _options([(sector, sector) for sector in page.sectors], page.card.sector),
        "period_options": _options(
            _period_choices(timezone.localtime(), page.card.period), page.card.period.key
        ),
        "unit_options": _options([(unit.code, unit.name) for unit in page.unit_choices], page.card.unit.code),
        "ancestors": page.ancestors,
        "last_event_id": current.last_event_id if current else 0,
    }
    return {
        "heading": mark_safe(render_to_string("ioc/_heading.html", context)),
        "live": mark_safe(render_to_string("ioc/_live.html", context)),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    roots = _guarded(selectors.root_units, request.user)
    _, current = _catch_up()
    parts = caches["pages"].get_or_set(
        _dashboard_key(request, roots, current),
        lambda: _dashboard_parts(request, roots, current),
        DASHBOARD_SECONDS,
    )
    if request.headers.get("HX-Request"):
        return HttpResponse(parts["live"])
    return render(request, "ioc/dashboard.html", {**parts, "may_see_ioc": True})


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    roots = _guarded(selectors.root_units, request.user)
    _, current = _catch_up()
    drill = _guarded(
        selectors.records,
        actor=request.user,
        indicator=request.GET.get("indicator", "2.1"),
        roots=roots,
        horizon=current.horizon if current else "",
        **filters,
    )
    context = {
        "drill": drill,
        "rows": _record_rows(drill.rows),
        "filters": filters,
        "query": request.GET.urlencode(),
        "ancestors": selectors.ancestors(drill.unit, roots),
        "data_as_of": current.updated_at if current else None,
        "may_see_ioc": True,
    }
    return render(request, "ioc/records.html", context)


HEADER_RECORDS = [
    gettext_lazy("Mã"),
    gettext_lazy("Nội dung"),
    gettext_lazy("Đơn vị"),
    gettext_lazy("Ngày nộp"),
    gettext_lazy("Hạn"),
    gettext_lazy("Ngày kết thúc"),
    gettext_lazy("Kết quả tính"),
]


@login_required
@require_GET
def records_export(request: HttpRequest, fmt: str) -> HttpResponse:
    filters = _filters(request)
    drill = _guarded(
        selectors.records,
        actor=request.user,
        indicator=request.GET.get("indicator", "2.1"),
        limit=None,
        **filters,
    )
    rows = [[r.code, r.title, r.unit, r.start, r.deadline, r.end, r.verdict] for r in drill.rows]
    name = f"ioc-{drill.indicator.code}-{drill.unit.code}-{drill.period.key}"
    return _guarded(
        exports.table_response, fmt=fmt, name=name, title="Hồ sơ", header=HEADER_RECORDS, rows=rows
    )


@login_required
@require_GET
def scorecard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    filters = _filters(request)
    card = _guarded(selectors.scorecard, actor=request.user, **filters)
    header = [
        _("Nhóm"),
        _("Chỉ số"),
        _("Tên"),
        _("Công thức"),
        _("Tử số"),
        _("Mẫu số"),
        _("Tỷ lệ"),
        _("Điểm"),
        _("Điểm tối đa"),
        _("Ghi chú"),
    ]
    rows = []
    for group in card.groups:
        for value in group.values:
            i = value.indicator
            rows.append(
                [
                    group.name,
                    i.code,
                    str(i.name),
                    str(i.formula),
                    value.numerator,
                    value.denominator,
                    value.rate,
                    value.points,
                    i.points,
                    str(i.reason),
                ]
            )
    for value in card.extra:
        i = value.indicator
        rows.append(
            [
                "",
                i.code,
                str(i.name),
                str(i.formula),
                value.numerator,
                value.denominator,
                value.rate,
                None,
                None,
                "",
            ]
        )
    name = f"ioc-chi-so-{card.unit.code}-{card.period.key}"
    return _guarded(exports.table_response, fmt=fmt, name=name, title="Chỉ số", header=header, rows=rows)


@login_required
@require_GET
def ranking_export(request: HttpRequest, fmt: str) -> HttpResponse:
    filters = _filters(request)
    kind = request.GET.get("kind", "agencies")
    ranked = _guarded(selectors.ranking, actor=request.user, kind=kind, **filters)
    header = [
        _("Hạng"),
        _("Mã đơn vị"),
        _("Đơn vị"),
        _("Điểm"),
        _("Đúng hạn (2.1)"),
        _("Nộp trực tuyến (3.2)"),
        _("Phản ánh đúng hạn"),
        _("Hồ sơ tiếp nhận"),
    ]
    rows = [
        [
            n,
            row.unit.code,
            row.unit.name,
            row.score,
            row.on_time.rate,
            row.online.rate,
            row.reports_on_time.rate,
            row.received,
        ]
        for n, row in enumerate(ranked, 1)
    ]
    name = f"ioc-xep-hang-{kind}-{filters['period'].key}"
    return _guarded(exports.table_response, fmt=fmt, name=name, title="Xếp hạng", header=header, rows=rows)


def _newest_events() -> QuerySet:
    """Ids of the dossier and report events, newest first."""
    ours = Q(stream__startswith=DOSSIER_STREAM) | Q(stream__startswith=REPORT_STREAM)
    return Event.objects.filter(ours).order_by("-pk").values("pk")


def _newest() -> int:
    return _newest_events().values_list("pk", flat=True).first() or 0


def _stream(last_seen: int):
    """Sends `update` as soon as a dossier or report event is in the rollups, then ends after a while.

    A comment line goes out every second: writing to a closed connection is how a departed browser shows."""
    deadline = time.monotonic() + LIVE_SECONDS
    beat = time.monotonic()
    try:
        yield "retry: 1000\n\n"
        while time.monotonic() < deadline:
            try:
                newest, current = _catch_up()
            except Exception:  # the database went away (restart, shutdown): end; the browser reconnects
                logger.warning("IOC live stream ended by a database error", exc_info=True)
                return
            if newest > last_seen:
                last_seen = newest
                as_of = current.updated_at if current else None
                data = json.dumps({"event_id": newest, "data_as_of": as_of.isoformat() if as_of else None})
                yield f"id: {newest}\nevent: update\ndata: {data}\n\n"
            elif time.monotonic() - beat >= 1:
                beat = time.monotonic()
                yield ":\n\n"
            time.sleep(LIVE_POLL)
    finally:
        close_old_connections()


@login_required
@require_GET
def live(request: HttpRequest) -> StreamingHttpResponse:
    _guarded(selectors.root_units, request.user)
    header = request.headers.get("Last-Event-ID") or request.GET.get("since", "")
    last_seen = whole_number(header, BIGINT_MAX)
    last_seen = _newest() if last_seen is None else last_seen
    response = StreamingHttpResponse(_stream(last_seen), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@login_required
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """For browsers whose event stream dropped: polled instead, catching the rollups up like the stream."""
    _guarded(selectors.root_units, request.user)
    newest, current = _catch_up()
    as_of = current.updated_at if current else None
    return JsonResponse({"event_id": newest, "data_as_of": as_of.isoformat() if as_of else None})
