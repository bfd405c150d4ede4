"""Pages of field reports: the public list and map, the citizen's form, a report's page, "my reports"."""

import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.core import caching, throttle
from tinhso.core.auth import SignedInRequest, user_or_none
from tinhso.core.display import day_and_time
from tinhso.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from tinhso.core.parsing import whole_number
from tinhso.fieldreports import lifecycle, selectors, services
from tinhso.fieldreports.forms import ContactForm, RatingForm, ReportForm, attribute_values
from tinhso.fieldreports.models import Report
from tinhso.web.access import official_required


def _client_address(request: HttpRequest) -> str:
    return throttle.client_address(request)


def _public_filters(request: HttpRequest) -> selectors.PublicFilters:
    category, commune, status = (
        request.GET.get(name, "").strip() for name in ("category", "commune", "status")
    )
    return selectors.PublicFilters(category=category, commune=commune, status=status)


# A public list's page (filters, count, map, rows) and its map points, kept per reports' state: any write to
# a report changes the state, so a reader never sees a report as it was before the last change.
PUBLIC_SECONDS = 300
_PUBLIC_LISTS = caching.Shared("fieldreports.public_lists", alias="pages", seconds=PUBLIC_SECONDS)
_PUBLIC_POINTS = caching.Shared("fieldreports.public_points", alias="pages", seconds=PUBLIC_SECONDS)


def _kept_key(filters: selectors.PublicFilters, *view: object) -> str:
    state = selectors.public_state()
    return caching.key_of(state, filters, get_language(), *view)


def _filter_query(filters: selectors.PublicFilters, **more: str) -> str:
    """The filters given (and `more`) as a query string, in one order whatever the request's."""
    chosen = {"category": filters.category, "commune": filters.commune, "status": filters.status, **more}
    return urlencode({name: value for name, value in chosen.items() if value})


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    filters, cursor = _public_filters(request), request.GET.get("sau", "")
    body = _PUBLIC_LISTS.get(_kept_key(filters, cursor), lambda: _list_body(filters, cursor))
    return render(request, "fieldreports/report_list.html", {"body": body})


def _list_body(filters: selectors.PublicFilters, cursor: str) -> str:
    """Everything of the list page that is the same for every reader: filters, count, map and rows."""
    page = selectors.public_report_page(filters=filters, cursor=cursor)
    context = {
        "page": page,
        "total": selectors.public_report_count(filters=filters),
        "next_url": f"?{_filter_query(filters, sau=page.next_cursor)}" if page.next_cursor else "",
        "map": _map_options(),
        "points_url": f"{reverse('fieldreports:report-points')}?{_filter_query(filters)}",
        "categories": selectors.reportable_categories(),
        "commune_options": selectors.communes(),
        "filters": filters,
    }
    return render_to_string("fieldreports/_report_list_body.html", context)


def _map_options() -> dict:
    """What a Leaflet map needs: the province's extent and the deployment's own tile server, if any."""
    return {
        "bounds": selectors.province_bounds(),
        "tile_url": settings.TINHSO_TILE_URL,
        "tile_attribution": settings.TINHSO_TILE_ATTRIBUTION,
    }


@require_GET
def commune_centres(request: HttpRequest) -> JsonResponse:
    """The province's commune centres as GeoJSON: the maps' background on a closed network."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [unit.longitude, unit.latitude]},
            "properties": {"code": unit.code, "name": unit.name},
        }
        for unit in selectors.commune_centres()
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_GET
def report_points(request: HttpRequest) -> HttpResponse:
    """Public report points as GeoJSON, for map clients (Leaflet, ECharts) and partners: the newest 500
    matching the filters, written once per reports' state, filters and language."""
    filters = _public_filters(request)
    body = _PUBLIC_POINTS.get(_kept_key(filters), lambda: _points_geojson(filters))
    return HttpResponse(body, content_type="application/json")


def _points_geojson(filters: selectors.PublicFilters) -> bytes:
    detail = reverse("fieldreports:report-detail", args=["~"])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [point.longitude, point.latitude]},
            "properties": {
                "tracking_code": point.tracking_code,
                "category": point.category,
                "status": point.status,
                "open": point.open,
                "url": detail.replace("~", point.tracking_code),
            },
        }
        for point in selectors.public_map_points(filters=filters)
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """The commune the chosen point resolves to and open reports of the same kind nearby (HTMX partial)."""
    latitude: float | None
    longitude: float | None
    try:
        latitude, longitude = float(request.GET["latitude"]), float(request.GET["longitude"])
    except (KeyError, ValueError):
        latitude = longitude = None
    picked = request.GET.get("commune") or None
    context: dict = {"reports": [], "picked": bool(picked)}
    if latitude is None and picked is None:
        return render(request, "fieldreports/_nearby.html", context)
    try:
        context["commune"], latitude, longitude = selectors.place_of_report(
            latitude=latitude,
            longitude=longitude,
            commune_code=picked,
            address=request.GET.get("address", ""),
        )
        category = selectors.category_by_code(request.GET.get("category", ""))
    except InvalidInput as error:
        found = error.errors or {}
        if "latitude" in found or "commune" in found:  # a bad place is shown; no category yet is not an error
            context["place_error"] = error.message
    else:
        context["reports"] = selectors.nearby_open_reports(
            category=category, latitude=latitude, longitude=longitude
        )
    return render(request, "fieldreports/_nearby.html", context)


@require_GET
def places(request: HttpRequest) -> HttpResponse:
    """Communes whose name matches what the reporter typed, to pick from when the map shows no tiles."""
    found = selectors.search_communes(request.GET.get("dia-ban", ""))
    return render(
        request, "fieldreports/_places.html", {"places": found, "typed": request.GET.get("dia-ban", "")}
    )


def _questions(category_code: str, answers: dict, errors: dict) -> list[dict]:
    """The category's extra questions, with the citizen's answers and the errors the services named."""
    try:
        category = selectors.category_by_code(category_code)
    except DomainError:
        return []
    return [
        {
            "code": attribute.code,
            "datatype": attribute.datatype,
            "description": attribute.description,
            "datatype_description": attribute.datatype_description,
            "required": attribute.required,
            "values": attribute.values,
            "answer": answers.get(attribute.code, ""),
            "error": " ".join(errors.get(f"attribute[{attribute.code}]", [])),
        }
        for attribute in category.attributes.all()
    ]


@require_GET
def questions(request: HttpRequest) -> HttpResponse:
    """The extra questions of the chosen category (HTMX partial of the form)."""
    attributes = _questions(request.GET.get("category", ""), {}, {})
    return render(request, "fieldreports/_questions.html", {"attributes": attributes})


def _throttled(request: HttpRequest) -> bool:
    if request.user.is_authenticated:
        return False
    # Counted in the shared cache, so every worker process sees the same count.
    limit = throttle.FIELD_REPORTS_PER_ADDRESS
    return throttle.hit(limit, _client_address(request)) > limit.attempts


def _filing(request: HttpRequest, form: ReportForm, answers: dict) -> dict[str, Any]:
    """The filing as the service takes it; a field the form refused is passed empty (its error already shows)."""
    data, signed_in = form.cleaned_data, request.user.is_authenticated
    return dict(
        category_code=data.get("category", ""),
        description=data.get("description", ""),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        commune_code=data.get("commune") or None,
        address=data.get("address", ""),
        photos=data.get("photos") or [],
        attributes=answers,
        reporter=request.user if signed_in else None,
        reporter_name=data.get("reporter_name", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
    )


def _show_refusal(error: InvalidInput, form: ReportForm) -> dict[str, list[str]]:
    """The service's errors beside their fields (not repeated where the form already spoke); the answers'
    errors are returned for the questions' partial."""
    attribute_errors: dict[str, list[str]] = {}
    for field, problems in (error.errors or {"": [error.message]}).items():
        if field.startswith("attribute["):
            attribute_errors[field] = problems
            continue
        target = field if field in form.fields else None
        if target in form.errors:
            continue
        for problem in problems:
            form.add_error(target, problem)
    return attribute_errors


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    form = ReportForm(request.POST or None, request.FILES or None, signed_in=signed_in)
    answers, attribute_errors = attribute_values(request.POST), {}
    if request.method == "POST" and not form.is_valid():
        # The service's own checks run too, so every problem shows in this one answer.
        filing = _filing(request, form, answers)
        filing.pop("reporter_name")  # stored as given, never refused
        try:
            services.check_report(**filing)
        except InvalidInput as error:
            attribute_errors = _show_refusal(error, form)
    elif request.method == "POST":
        if _throttled(request):
            form.add_error(None, _("Bạn đã gửi nhiều phản ánh trong một giờ qua; vui lòng thử lại sau."))
        else:
            try:
                report = services.submit_report(**_filing(request, form, answers))
            except InvalidInput as error:
                attribute_errors = _show_refusal(error, form)
            else:
                messages.success(
                    request,
                    _("Đã gửi phản ánh. Mã theo dõi của bạn là %(code)s.") % {"code": report.tracking_code},
                )
                return redirect("fieldreports:report-detail", tracking_code=report.tracking_code)
    refused = request.method == "POST"  # a successful submit has redirected
    context = {
        "form": form,
        "chosen_photos": [photo.name for photo in request.FILES.getlist("photos")] if refused else [],
        "map": _map_options(),
        "attributes": _questions(request.POST.get("category", ""), answers, attribute_errors),
    }
    status = 400 if form.errors or attribute_errors else 200
    return render(request, "fieldreports/report_form.html", context, status=status)


@require_GET
def report_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    state = selectors.public_report_state(tracking_code)
    if state is None:
        raise Http404(_("Không có phản ánh mã “%(tracking_code)s”.") % {"tracking_code": tracking_code})
    report = state.report
    kept = _REPORT_PAGES.get(
        caching.key_of(*state.key(), get_language()),
        lambda: _report_parts(report.tracking_code, followers=state.followers),
    )
    is_mine = selectors.is_reporter(report, user=user_or_none(request))
    context = {
        "report": report,
        "kept": kept,
        "rating_form": RatingForm()
        if report.status == Report.Status.PUBLISHED and report.satisfied is None
        else None,
        "contact_form": ContactForm()
        if not report.is_open and report.personal_data_removed_at is None
        else None,
        "is_mine": is_mine,
        "following": not is_mine and report.is_open and selectors.follows(report, user=request.user),
        "signed_in_reporter": is_mine and request.user.is_authenticated,
    }
    return render(request, "fieldreports/report_detail.html", context)


# The parts of a report's page that are the same for every reader, kept per the report's state (its last
# write, last event and followers, see selectors.public_report_state) and language.
_REPORT_PAGES = caching.Shared("fieldreports.report_pages", alias="report_pages", seconds=PUBLIC_SECONDS)


def _report_parts(tracking_code: str, *, followers: int) -> dict[str, str]:
    report = _public_report(tracking_code)
    report_photos, result_photos = selectors.photos_by_kind(report)
    context = {
        "report": report,
        "followers": followers,
        "timeline": selectors.public_timeline(report),
        "report_photos": report_photos,
        "result_photos": result_photos,
        "map": _map_options(),
    }
    return {
        "facts": render_to_string("fieldreports/_report_detail_facts.html", context),
        "body": render_to_string("fieldreports/_report_detail_body.html", context),
    }


def _public_report(tracking_code: str) -> Report:
    try:
        return selectors.public_report(tracking_code)
    except NotFound as error:
        raise Http404(error.message) from None


def _reporter_action(request: HttpRequest, tracking_code: str, action) -> HttpResponse:
    report = _public_report(tracking_code)
    # The page's form carries the version it showed; an older form without one acts on the current report.
    version = whole_number(request.POST.get("version", "")) or report.version
    try:
        action(report, version)
    except (InvalidInput, Forbidden, Conflict) as error:
        messages.error(request, error.message)
    return redirect("fieldreports:report-detail", tracking_code=report.tracking_code)


@require_POST
def rate(request: HttpRequest, tracking_code: str) -> HttpResponse:
    form = RatingForm(request.POST)

    def action(report: Report, version: int) -> None:
        if not form.is_valid():
            raise InvalidInput(_("Vui lòng chọn mức độ hài lòng."))
        rated = services.rate_report(
            actor=user_or_none(request),
            tracking_code=report.tracking_code,
            version=version,
            contact=form.cleaned_data["contact"],
            satisfied=form.cleaned_data["satisfied"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _rating_message(rated))

    return _reporter_action(request, tracking_code, action)


def _rating_message(report: Report) -> str:
    """Thanks, and what the rating did: an unsatisfied one reopens the report once, and says so."""
    if report.status == Report.Status.REOPENED:
        return _(
            "Cảm ơn bạn đã đánh giá. Vì bạn chưa hài lòng, phản ánh %(code)s đã được mở lại và chuyển lại "
            "cho %(unit)s xử lý, hạn mới %(due)s."
        ) % {
            "code": report.tracking_code,
            "unit": report.responsible_unit.name,
            "due": day_and_time(report.due_at, ""),
        }
    if report.satisfied is False:
        return _(
            "Cảm ơn bạn đã đánh giá. Phản ánh này đã được mở lại một lần nên được khép lại; ý kiến chưa hài "
            "lòng của bạn đã được ghi nhận và báo cho đơn vị xử lý."
        )
    return _("Cảm ơn bạn đã đánh giá kết quả xử lý phản ánh %(code)s.") % {"code": report.tracking_code}


@require_POST
def remove_personal_data(request: HttpRequest, tracking_code: str) -> HttpResponse:
    form = ContactForm(request.POST)
    form.is_valid()

    def action(report: Report, version: int) -> None:
        services.remove_personal_data(
            actor=user_or_none(request),
            tracking_code=report.tracking_code,
            version=version,
            contact=form.cleaned_data.get("contact", ""),
        )
        messages.success(request, _("Đã xóa thông tin cá nhân của bạn khỏi phản ánh này."))

    return _reporter_action(request, tracking_code, action)


@login_required
@require_POST
def follow(request: SignedInRequest, tracking_code: str) -> HttpResponse:
    def action(report: Report, version: int) -> None:
        services.follow_report(user=request.user, report=report)
        messages.success(
            request,
            _("Bạn đang theo dõi phản ánh %(code)s; xem trong “Phản ánh của tôi”.") % {"code": tracking_code},
        )

    return _reporter_action(request, tracking_code, action)


@login_required
@require_GET
def my_reports(request: SignedInRequest) -> HttpResponse:
    context = {
        "reports": selectors.reports_of_reporter(request.user),
        "followed": selectors.reports_followed_by(request.user),
    }
    return render(request, "fieldreports/my_reports.html", context)


# Back office: the coordinating centre and the responsible units ------------------------------------------


@official_required
@require_GET
def staff_list(request: SignedInRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    context = {
        "reports": selectors.staff_queue(request.user, status=status),
        "status": status,
        "statuses": Report.Status.choices,
        "is_coordinator": selectors.is_coordinator(request.user),
        "now": timezone.now(),
    }
    return render(request, "fieldreports/staff_list.html", context)


@official_required
@require_GET
def staff_detail(request: SignedInRequest, tracking_code: str) -> HttpResponse:
    try:
        report = selectors.report_for_staff(request.user, tracking_code)
    except NotFound as error:
        raise Http404(error.message) from None
    is_coordinator = selectors.is_coordinator(request.user)
    offered = [
        row
        for row in selectors.offered_actions(actor=request.user, report=report)
        if lifecycle.REPORTER not in row.parties
    ]
    actions = [
        {
            "slug": row.action,
            "title": row.title,
            "primary": position == 0 and row.expected,
            "destructive": row.destructive,
        }
        for position, row in enumerate(offered)
    ]
    context = {
        "report": report,
        "timeline": selectors.public_timeline(report),
        "photos": report.photos.all(),
        "is_coordinator": is_coordinator,
        "contact": selectors.reporter_contact(report) if is_coordinator else None,
        "actions": [action for action in actions if not action["destructive"] and action["slug"] != "merge"],
        "destructive_actions": [
            action for action in actions if action["destructive"] and action["slug"] != "merge"
        ],
        "can_merge": any(row.action == "merge" for row in offered),
        "duplicates": selectors.duplicate_candidates(report) if is_coordinator and report.is_open else [],
        "categories": selectors.reportable_categories(),
        "units": selectors.handling_units(),
    }
    return render(request, "fieldreports/staff_detail.html", context)


# What each back-office action did, said after it succeeded.
STAFF_DONE = {
    "acknowledge": gettext_lazy("Đã nhận xử lý phản ánh %(code)s."),
    "post_result": gettext_lazy("Đã báo cáo kết quả xử lý phản ánh %(code)s; chờ lãnh đạo đơn vị duyệt."),
    "approve_result": gettext_lazy("Đã duyệt và công khai kết quả xử lý phản ánh %(code)s."),
    "send_back_result": gettext_lazy("Đã trả lại kết quả của phản ánh %(code)s để xử lý tiếp."),
    "reroute": gettext_lazy("Đã chuyển phản ánh %(code)s cho đơn vị khác."),
    "change_category": gettext_lazy("Đã đổi lĩnh vực của phản ánh %(code)s."),
    "reject": gettext_lazy("Đã không tiếp nhận phản ánh %(code)s."),
    "merge": gettext_lazy("Đã gộp phản ánh %(code)s vào phản ánh trùng."),
    "split": gettext_lazy("Đã tách một phản ánh mới từ phản ánh %(code)s."),
}
# Earlier names of the pages' actions, still answered.
STAFF_ALIASES = {"approve": "approve_result", "return": "send_back_result"}


def _staff_actions(request: SignedInRequest) -> dict:
    """Each back-office action (fieldreports.lifecycle): the service it calls with the posted fields."""
    data, user = request.POST, request.user
    return {
        "acknowledge": lambda **case: services.acknowledge_report(actor=user, **case),
        "post_result": lambda **case: services.post_result(
            actor=user, **case, result=data.get("result", ""), photos=request.FILES.getlist("photos")
        ),
        "approve_result": lambda **case: services.approve_result(actor=user, **case),
        "send_back_result": lambda **case: services.send_back_result(
            actor=user, **case, reason=data.get("reason", "")
        ),
        "reroute": lambda **case: services.reroute_report(
            actor=user, **case, unit_code=data.get("unit_code", ""), reason=data.get("reason", "")
        ),
        "change_category": lambda **case: services.change_category(
            actor=user, **case, category_code=data.get("category_code", ""), reason=data.get("reason", "")
        ),
        "reject": lambda **case: services.reject_report(actor=user, **case, reason=data.get("reason", "")),
        "merge": lambda **case: services.merge_reports(
            actor=user, **case, into=selectors.report_for_staff(user, data.get("into", "")).tracking_code
        ),
        "split": lambda **case: services.split_report(
            actor=user, **case, parts=[(data.get("category_code", ""), data.get("description", ""))]
        ),
    }


@official_required
@require_POST
def staff_action(request: SignedInRequest, tracking_code: str, action: str) -> HttpResponse:
    try:
        report = selectors.report_for_staff(request.user, tracking_code)
    except NotFound as error:
        raise Http404(error.message) from None
    action = STAFF_ALIASES.get(action, action)
    handler = _staff_actions(request).get(action)
    if handler is None:
        raise Http404(action)
    # The form carries the version the official saw, so acting on a stale page is refused, not applied.
    version = whole_number(request.POST.get("version", ""))
    if version is None:
        raise BadRequest(_("Thiếu phiên bản phản ánh."))
    try:
        handler(tracking_code=report.tracking_code, version=version)
    except DomainError as error:
        details = [problem for problems in getattr(error, "errors", {}).values() for problem in problems]
        messages.error(request, " ".join([error.message, *[d for d in details if d != error.message]]))
    else:
        done = STAFF_DONE.get(action, gettext_lazy("Đã cập nhật phản ánh %(code)s."))
        messages.success(request, str(done) % {"code": tracking_code})
    return redirect("fieldreports:staff-detail", tracking_code=tracking_code)
