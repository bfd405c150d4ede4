"""IOC pages: the index and its groups, rankings, trends, the commune map, drill-down lists, exports,
and the live feed (server-sent events) that tells an open dashboard to refresh."""

import json
import logging
import time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape, json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.core import caching
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import DomainError, Forbidden, NotFound
from tinhso.core.models import AdminUnit, User
from tinhso.core.parsing import BIGINT_MAX, whole_number
from tinhso.ioc import exports, figures, periods, rules, selectors, services
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


# Every open dashboard refetches its figures when the rollups move; leaders watching the same view share its
# parts, laid out once per rollup state, which each request puts into a page of its own. Catalog indicators
# change without an event: they may lag this long. Each process keeps a copy of the parts it read, as long as
# the shared cache does.
DASHBOARD_SECONDS = 60
_PARTS = caching.Shared("ioc.dashboard_parts", alias="pages", seconds=DASHBOARD_SECONDS, read_here=32)
# Where each request writes its own address (the downloads' links) and the replica's lag into the kept parts:
# the address's mark reads the same escaped.
QUERY_MARK = "ioc-query-of-this-request"
LAG_MARK = "<!-- ioc: the replica's lag -->"
_REPORT_POINTS = caching.Shared("ioc.report_points", alias="pages", seconds=DASHBOARD_SECONDS)
_OPEN_ALERTS = caching.Shared("ioc.open_alerts", alias="pages", seconds=DASHBOARD_SECONDS)


def _rendered_key(current: ConsumerState | None, *view: object) -> str:
    """A key for something rendered from the rollups: their state and what else it depends on."""
    state = None
    if current is not None:
        # The time as text: read by the ORM or by a cursor (ioc.middleware), its time zone is written alike.
        updated_at = current.updated_at.isoformat() if current.updated_at else None
        state = (current.last_event_id, current.horizon, updated_at)
    return caching.key_of(state, *view)


def _report_points(unit: AdminUnit, period: periods.Period, current: ConsumerState | None) -> SafeString:
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


def _map_kpi(request: HttpRequest) -> str:
    """The indicator the map is coloured by: one with a rate, 2.1 unless another is asked."""
    map_kpi = request.GET.get("map", "2.1")
    return map_kpi if map_kpi in rules.ALL and rules.ALL[map_kpi].denominator else "2.1"


def _figures(
    request: SignedInRequest,
    roots: list[AdminUnit],
    current: ConsumerState | None,
    filters: dict,
    map_kpi: str,
) -> figures.Figures:
    """The dashboard's figures for the view asked, read from the rollups (what `_parts` lays out and keeps)."""
    page = _guarded(
        selectors.dashboard,
        actor=request.user,
        roots=roots,
        map_indicator=map_kpi,
        as_of=current.updated_at if current else None,
        report_points=False,
        **filters,
    )
    return figures.of(
        page,
        map_indicator=map_kpi,
        map_reports=_report_points(page.card.unit, page.card.period, current),
        alerts=_open_alerts(request.user, roots, current),
        now=timezone.localtime(),
    )


def _parts(
    request: SignedInRequest,
    roots: list[AdminUnit],
    current: ConsumerState | None,
    filters: dict,
    map_kpi: str,
) -> dict[str, SafeString]:
    """The dashboard's heading and figures laid out for the view asked (whatever else its address holds), once
    per rollup state, view, leader's units (what they may see), language and day (the period choices)."""
    view = (filters["unit_code"], filters["period"].key, filters["sector"], map_kpi)
    key = _rendered_key(current, *view, [root.pk for root in roots], get_language(), timezone.localdate())
    kept = _PARTS.peek(key)
    if kept is None:
        context = {
            **_figures(request, roots, current, filters, map_kpi),
            "filters": filters,
            "map_kpi": map_kpi,
            "query": QUERY_MARK,
            "last_event_id": current.last_event_id if current else 0,
            "replica_lag_note": SafeString(LAG_MARK),
        }
        kept = {
            "heading": render_to_string("ioc/_heading.html", context),
            "live": render_to_string("ioc/_live.html", context),
        }
        _PARTS.put(key, kept)
    return kept


def _live(parts: dict[str, SafeString], request: HttpRequest) -> SafeString:
    """The kept figures with this request's address in their links and the replica's lag, if read there."""
    lag = selectors.replica_lag()
    note = "" if lag is None else render_to_string("ioc/_replica_lag.html", {"replica_lag": lag})
    live = parts["live"].replace(QUERY_MARK, escape(request.GET.urlencode())).replace(LAG_MARK, note)
    return SafeString(live)


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    roots = _guarded(selectors.root_units, request.user)
    current = kept_dashboard.rollups_read(request)
    if current is None:
        _, current = services.catch_up()
    parts = _parts(request, roots, current, _filters(request), _map_kpi(request))
    if current is not None:
        kept_dashboard.remember(request, current)
    live = _live(parts, request)
    if request.headers.get("HX-Request"):
        return HttpResponse(live)
    return render(
        request, "ioc/dashboard.html", {"heading": parts["heading"], "live": live, "may_see_ioc": True}
    )


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


def _polled(last_seen: int, current: ConsumerState | None) -> tuple[int, ConsumerState | None]:
    """The newest dossier or report event and where the rollups stand, caught up; while the log has handed out
    no id past the rollups' cursor, nothing came since the last poll, which one row of the log's sequence
    tells instead of a read of the newest event in each of its partitions."""
    if current is not None:
        given = selectors.log_given()
        if given is not None and given <= current.last_event_id:
            return last_seen, current
    return services.catch_up()


def _stream(last_seen: int):
    """Sends `update` as soon as a dossier or report event is in the rollups, then ends after a while.

    A comment line goes out every second: writing to a closed connection is how a departed browser shows."""
    deadline = time.monotonic() + LIVE_SECONDS
    beat = time.monotonic()
    current = None  # where the last catch-up left the rollups
    try:
        yield "retry: 1000\n\n"
        while time.monotonic() < deadline:
            try:
                newest, current = _polled(last_seen, current)
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
