"""IOC pages: the index and its groups, rankings, trends, the commune map, drill-down lists, exports,
and the live feed (server-sent events) that tells an open dashboard to refresh."""

import json
import logging
import time
from datetime import datetime, timedelta
from typing import TypedDict
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import json_script
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.core import caching, formats
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError, Forbidden, NotFound
from tinhso.core.models import AdminUnit, User
from tinhso.core.parsing import BIGINT_MAX, whole_number
from tinhso.ioc import exports, periods, rules, selectors, services
from tinhso.ioc import middleware as kept_dashboard
from tinhso.ioc.models import Alert, ConsumerState

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


class IndicatorRow(TypedDict):
    value: rules.Value
    url: str  # the records behind the figures, "" when none are listed


class Section(TypedDict):
    id: str  # "" for the indicators outside the score
    title: str  # "" for the indicators outside the score, whose title is translated in the template
    rows: list[IndicatorRow]


def _sections(card: selectors.Scorecard) -> list[Section]:
    """The scorecard's groups, then the indicators followed outside the score, with their records' links."""
    records_url = reverse("ioc:records")
    tail = _query_tail(unit=card.unit.code, period=card.period.key, sector=card.sector)

    def rows(values: list[rules.Value]) -> list[IndicatorRow]:
        return [
            {
                "value": value,
                "url": f"{records_url}?{urlencode({'indicator': value.indicator.code})}{tail}"
                if value.indicator.drill
                else "",
            }
            for value in values
        ]

    sections: list[Section] = [
        {
            "id": f"group-{group.code}",
            "title": f"{group.name} ({formats.figure(group.score)} / {formats.figure(group.points)})",
            "rows": rows(group.values),
        }
        for group in card.groups
    ]
    return [*sections, {"id": "", "title": "", "rows": rows(card.extra)}]


def _query_tail(**params: str) -> str:
    """`&key=value` for each filter given, as urlencode writes it: what follows the first one in a row's links."""
    query = urlencode({key: value for key, value in params.items() if value})
    return "&" + query if query else ""


class RankingLine(TypedDict):
    row: selectors.RankRow
    rank: int | None  # None for a unit without records in the period: listed apart, not ranked
    url: str
    on_time_url: str


class Ranking(TypedDict):
    ranked: list[RankingLine]
    without_data: list[RankingLine]


def _ranking(rows: list[selectors.RankRow], card: selectors.Scorecard) -> Ranking:
    """The ranked units, best first, then those without records in the period, by name."""
    dashboard_url, records_url = reverse("ioc:dashboard"), reverse("ioc:records")
    tail = _query_tail(period=card.period.key, sector=card.sector)
    ranking: Ranking = {"ranked": [], "without_data": []}
    for row in rows:
        unit = urlencode({"unit": row.unit.code})
        lines = ranking["ranked"] if row.has_data else ranking["without_data"]
        lines.append(
            {
                "row": row,
                "rank": len(lines) + 1 if row.has_data else None,
                "url": f"{dashboard_url}?{unit}{tail}",
                "on_time_url": f"{records_url}?indicator=2.1&{unit}{tail}",
            }
        )
    return ranking


# Every open dashboard refetches its figures when the rollups move; leaders watching the same view share one
# render per worker and rollup state. Catalog indicators change without an event: they may lag this long.
DASHBOARD_SECONDS = 60
_DASHBOARDS = caching.Shared("ioc.dashboards", alias="pages", seconds=DASHBOARD_SECONDS)
_REPORT_POINTS = caching.Shared("ioc.report_points", alias="pages", seconds=DASHBOARD_SECONDS)
_OPEN_ALERTS = caching.Shared("ioc.open_alerts", alias="pages", seconds=DASHBOARD_SECONDS)


class DashboardParts(TypedDict):
    heading: str  # title, breadcrumb and filters, rendered
    live: str  # the figures the live feed refreshes, rendered


def _rendered_key(current: ConsumerState | None, *view: object) -> str:
    """A key for something rendered from the rollups: their state and what else it depends on."""
    state = (current.last_event_id, current.horizon, current.updated_at) if current else None
    return caching.key_of(state, *view)


def _dashboard_key(
    request: HttpRequest, roots: list[AdminUnit], current: ConsumerState | None, replica_lag: int | None
) -> str:
    """What the rendered dashboard depends on: the rollups' state, the view asked for, whose units (the
    leader's top units decide what they may see), the language, the day (the period choices) and the
    replica's lag shown beside the data's time."""
    view = (request.GET.urlencode(), [root.pk for root in roots], get_language(), timezone.localdate())
    return _rendered_key(current, *view, replica_lag)


def _report_points(unit: AdminUnit, period: periods.Period, current: ConsumerState | None) -> str:
    """The map's open reports as a JSON script (up to 2,000, most of a page's weight): whatever the sector
    or the map's indicator, so every view of a unit and period shares one per rollup state."""
    return _REPORT_POINTS.get(
        _rendered_key(current, unit.pk, period.key, period.end),
        lambda: json_script(selectors.open_report_points(unit, period), "ioc-map-reports"),
    )


def _open_alerts(user: User, roots: list[AdminUnit], current: ConsumerState | None) -> list[Alert]:
    """The leader's open alerts, read once per rollup state: raising or clearing one records an event, so
    the state moves whenever they change, and every view of the same leader's units shares them."""
    return _OPEN_ALERTS.get(
        _rendered_key(current, [root.pk for root in roots]),
        lambda: selectors.alerts_for(actor=user, roots=roots),
    )


def _dashboard_parts(
    request: SignedInRequest, roots: list[AdminUnit], current: ConsumerState | None, replica_lag: int | None
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
        "agencies": _ranking(page.agencies, page.card),
        "communes": _ranking(page.communes, page.card),
        "trend": page.trend,
        "map": page.map,
        "map_reports": _report_points(page.card.unit, page.card.period, current),
        "map_kpi": map_kpi,
        "map_options": [(code, f"{code} · {i.name}") for code, i in rules.ALL.items() if i.denominator],
        "alerts": _open_alerts(request.user, roots, current),
        "sector_options": [(sector, sector) for sector in page.sectors],
        "period_options": _period_choices(timezone.localtime(), page.card.period),
        "unit_options": [(unit.code, unit.name) for unit in page.unit_choices],
        "ancestors": page.ancestors,
        "last_event_id": current.last_event_id if current else 0,
        "replica_lag": replica_lag,
    }
    return {
        "heading": render_to_string("ioc/_heading.html", context),
        "live": render_to_string("ioc/_live.html", context),
    }


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    roots = _guarded(selectors.root_units, request.user)
    _, current = services.catch_up()
    lag = selectors.replica_lag()
    parts = _DASHBOARDS.get(
        _dashboard_key(request, roots, current, lag), lambda: _dashboard_parts(request, roots, current, lag)
    )
    if current is not None:
        kept_dashboard.remember(request, current)
    if request.headers.get("HX-Request"):
        return HttpResponse(parts["live"])
    return render(request, "ioc/dashboard.html", {**parts, "may_see_ioc": True})


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    roots = _guarded(selectors.root_units, request.user)
    _, current = services.catch_up()
    drill = _guarded(
        selectors.records,
        actor=request.user,
        indicator=request.GET.get("indicator", "2.1"),
        roots=roots,
        rollups=current,
        **filters,
    )
    context = {
        "drill": drill,
        "filters": filters,
        "query": request.GET.urlencode(),
        "ancestors": selectors.ancestors(drill.unit, roots),
        "data_as_of": current.updated_at if current else None,
        "replica_lag": selectors.replica_lag(),
        "may_see_ioc": True,
    }
    return render(request, "ioc/records.html", context)


@login_required
@require_GET
def campaigns(request: SignedInRequest) -> HttpResponse:
    """The proactive services' reach, province-wide (counts only), for whoever may see the operations centre."""
    _guarded(selectors.root_units, request.user)
    return render(request, "ioc/campaigns.html", {"may_see_ioc": True})


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


def _ranks(rows: list[selectors.RankRow]) -> list[tuple[int | None, selectors.RankRow]]:
    """Each row with its rank, None for the units without records in the period (listed last)."""
    ranked = [row for row in rows if row.has_data]
    return [*enumerate(ranked, 1), *((None, row) for row in rows if not row.has_data)]


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
            rank,
            row.unit.code,
            row.unit.name,
            row.score,
            row.on_time.rate,
            row.online.rate,
            row.reports_on_time.rate,
            row.received,
        ]
        for rank, row in _ranks(ranked)
    ]
    name = f"ioc-xep-hang-{kind}-{filters['period'].key}"
    return _guarded(exports.table_response, fmt=fmt, name=name, title="Xếp hạng", header=header, rows=rows)


def _stream(last_seen: int):
    """Sends `update` as soon as a dossier or report event is in the rollups, then ends after a while.

    A comment line goes out every second: writing to a closed connection is how a departed browser shows."""
    deadline = time.monotonic() + LIVE_SECONDS
    beat = time.monotonic()
    try:
        yield "retry: 1000\n\n"
        while time.monotonic() < deadline:
            try:
                newest, current = services.catch_up()
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
    last_seen = selectors.newest_event_id() if last_seen is None else last_seen
    response = StreamingHttpResponse(_stream(last_seen), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@login_required
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """For browsers whose event stream dropped: polled instead, catching the rollups up like the stream."""
    _guarded(selectors.root_units, request.user)
    newest, current = services.catch_up()
    as_of = current.updated_at if current else None
    return JsonResponse(
        {
            "event_id": newest,
            "data_as_of": as_of.isoformat() if as_of else None,
            "replica_lag_seconds": selectors.replica_lag(),
        }
    )
