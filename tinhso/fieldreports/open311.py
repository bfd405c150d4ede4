"""Open311 GeoReport v2 at /open311/v2/: plain views speaking the specification's XML and JSON, its
form-encoded POST and its error format (not problem+json). The reporter's identity never leaves."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from xml.etree import ElementTree

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from tinhso.core.errors import DomainError, InvalidInput, NotFound
from tinhso.fieldreports import selectors, services
from tinhso.fieldreports.forms import attribute_values
from tinhso.fieldreports.models import Category, Report

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+07:00"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
FIRST_YEAR, LAST_YEAR = 1900, 2999
# Service fields in the specification's order; the service layer names the same things differently.
PARAMETER_OF_FIELD = {"category": "service_code", "latitude": "lat", "longitude": "long", "photos": "media"}
# XML names of the items inside a list element.
_ITEM_TAG = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions[0])
        self.status = status
        self.descriptions = descriptions


# Rendering ------------------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, tag: str, value) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, list):
        for item in value:
            _append(element, _ITEM_TAG[tag], item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    else:
        element.text = _text(value)


def render(fmt: str, body, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    """JSON as given; XML with `root` around the items (each named `item`) or around one object's fields."""
    if fmt == "json":
        content = json.dumps(body, ensure_ascii=False)
    else:
        element = ElementTree.Element(root)
        for entry in body if item else [body]:
            target = ElementTree.SubElement(element, item) if item else element
            for key, value in entry.items():
                _append(target, key, value)
        content = '<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(element, encoding="unicode")
    return HttpResponse(content.encode(), status=status, content_type=FORMATS[fmt])


def render_errors(fmt: str, status: int, descriptions) -> HttpResponse:
    body = [{"code": status, "description": description} for description in descriptions]
    return render(fmt if fmt in FORMATS else "xml", body, root="errors", item="error", status=status)


def open311_view(view: Callable) -> Callable:
    """Checks the format extension and turns refusals into the specification's error list."""

    @wraps(view)
    def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        if fmt not in FORMATS:
            return render_errors("xml", 404, [f"Unknown format “{fmt}”: use .xml or .json."])
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as error:
            return render_errors(fmt, error.status, error.descriptions)
        except InvalidInput as error:
            descriptions = [
                f"{PARAMETER_OF_FIELD.get(field, field)}: {message}"
                for field, messages in error.errors.items()
                for message in messages
            ] or [error.message]
            return render_errors(fmt, 400, descriptions)
        except NotFound as error:
            return render_errors(fmt, 404, [error.message])
        except DomainError as error:
            return render_errors(fmt, 403 if error.status == 403 else 400, [error.message])

    return wrapper


def _param(request: HttpRequest, name: str, source=None) -> str:
    """A parameter's value; an empty one counts as absent (the specification says so)."""
    return ((source if source is not None else request.GET).get(name) or "").strip()


def _allow(request: HttpRequest, *methods: str) -> None:
    if request.method not in methods:
        raise Open311Error(405, f"Method {request.method} is not allowed here; use {' or '.join(methods)}.")


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# Shapes ---------------------------------------------------------------------------------------------------


def _deadline_notice(category: Category) -> str:
    if category.deadline_hours:
        return f"Thời hạn xử lý: {category.deadline_hours} giờ làm việc."
    return f"Thời hạn xử lý: {category.deadline_days} ngày làm việc."


def service_of(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.display_name,
        "description": category.description,
        "metadata": category.attributes.exists(),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.display_name if category.parent else "",
    }


def _status_notes(report: Report) -> str:
    match report.status:
        case Report.Status.PUBLISHED:
            return report.result
        case Report.Status.REJECTED:
            return f"Không tiếp nhận: {report.rejection_reason}"
        case Report.Status.MERGED if report.merged_into:
            return f"Trùng với phản ánh {report.merged_into.tracking_code}; theo dõi tại phản ánh đó."
        case Report.Status.REOPENED:
            return "Người phản ánh chưa hài lòng với kết quả; đơn vị đang xử lý lại."
        case _:
            return str(report.get_status_display())


def request_of(report: Report, request: HttpRequest) -> dict:
    """One service request: public fields only, never who filed it."""
    photo = next((p for p in selectors.shown_photos(report) if p.kind == "report"), None)
    return {
        "service_request_id": report.tracking_code,
        "status": "open" if report.is_open else "closed",
        "status_notes": _status_notes(report),
        "service_name": report.category.display_name,
        "service_code": report.category.code,
        # A rejected report's text is not republished (it may be abusive or off-topic).
        "description": "" if report.status == Report.Status.REJECTED else report.description,
        "agency_responsible": report.responsible_unit.name,
        "service_notice": _deadline_notice(report.category),
        "requested_datetime": _iso(report.submitted_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": _iso(report.due_at),
        "address": report.address
        or ", ".join(unit.name for unit in (report.commune, report.commune.parent) if unit),
        "address_id": "",
        "zipcode": "",
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": request.build_absolute_uri(photo.image.url) if photo else "",
    }


# Endpoints ------------------------------------------------------------------------------------------------


@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    _allow(request, "GET", "HEAD")
    body = {
        "changeset": CHANGESET,
        "contact": "Trung tâm Giám sát, điều hành đô thị thông minh – Cổng Tỉnh số",
        "key_service": "Khóa API do quản trị hệ thống cấp (lệnh “tinhso apikey create TÊN”).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2/"),
                "changeset": CHANGESET,
                "type": "production" if settings.TINHSO_ENV == "production" else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, body, root="discovery")


@open311_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    _allow(request, "GET", "HEAD")
    body = [service_of(category) for category in selectors.reportable_categories()]
    return render(fmt, body, root="services", item="service")


@open311_view
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    _allow(request, "GET", "HEAD")
    category = selectors.reportable_categories().filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, f"service_code: no service “{service_code}”.")
    attributes = [
        {
            "variable": True,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description,
            "order": attribute.order,
            "description": attribute.description,
            "values": [{"key": key, "name": name} for key, name in attribute.values],
        }
        for attribute in category.attributes.all()
    ]
    body = {"service_code": category.code, "attributes": attributes}
    return render(fmt, body, root="service_definition")


@csrf_exempt
@open311_view
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    _allow(request, "GET", "HEAD", "POST")
    if request.method == "POST":
        return _create_request(request, fmt)
    return _search_requests(request, fmt)


def _float(request: HttpRequest, name: str) -> float:
    try:
        return float(_param(request, name, request.POST))
    except ValueError:
        raise Open311Error(400, f"{name}: “{_param(request, name, request.POST)}” is not a number.") from None


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    secret = _param(request, "api_key", request.POST)
    partner = selectors.api_key_by_secret(secret) if secret else None
    if partner is None:
        raise Open311Error(403, "api_key: missing or invalid api_key.")
    missing = [name for name in ("service_code",) if not _param(request, name, request.POST)]
    has_point = _param(request, "lat", request.POST) and _param(request, "long", request.POST)
    if not has_point:
        missing.append("lat/long (this server locates requests by coordinates only)")
    if missing:
        raise Open311Error(400, *[f"{name}: required." for name in missing])
    first, last = _param(request, "first_name", request.POST), _param(request, "last_name", request.POST)
    report = services.submit_report(
        category_code=_param(request, "service_code", request.POST),
        description=_param(request, "description", request.POST),
        latitude=_float(request, "lat"),
        longitude=_float(request, "long"),
        reporter_name=" ".join(part for part in (last, first) if part),
        phone=_param(request, "phone", request.POST),
        email=_param(request, "email", request.POST),
        address=_param(request, "address_string", request.POST),
        attributes=attribute_values(request.POST),
        photos=request.FILES.getlist("media"),
        source=Report.Source.OPEN311,
        partner=partner,
    )
    body = [
        {
            "service_request_id": report.tracking_code,
            "token": report.token,
            "service_notice": _deadline_notice(report.category),
            "account_id": None,
        }
    ]
    return render(fmt, body, root="service_requests", item="request")


def _instant(request: HttpRequest, name: str) -> datetime | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))
        day = None if value else parse_date(raw)
    except ValueError:
        value = day = None
    if value is None:
        if day is None:
            raise Open311Error(400, f"{name}: “{raw}” is not an ISO 8601 date and time.")
        value = datetime.combine(day, datetime.min.time())
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        # The search reaches 90 days around the instant: year 9999 would leave datetime's range.
        raise Open311Error(400, f"{name}: “{raw}” must fall in the years {FIRST_YEAR}–{LAST_YEAR}.")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _search_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    ids = [code.strip() for code in _param(request, "service_request_id").split(",") if code.strip()]
    if ids:
        reports = selectors.public_reports_by_codes(ids)
    else:
        start, end = _instant(request, "start_date"), _instant(request, "end_date")
        if start and end and start > end:
            raise Open311Error(400, "start_date: must not be after end_date.")
        if start and end and end - start > MAX_SPAN:
            raise Open311Error(400, "start_date, end_date: the span may not exceed 90 days.")
        end = end or (start + MAX_SPAN if start else timezone.now())
        start = start or end - MAX_SPAN
        statuses = {item.strip() for item in _param(request, "status").split(",") if item.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, f"status: “{', '.join(sorted(statuses))}” — use open, closed or both.")
        codes = [code.strip() for code in _param(request, "service_code").split(",") if code.strip()]
        reports = selectors.open311_search(
            start=start, end=end, service_codes=codes, statuses=statuses, limit=MAX_RESULTS
        )
    body = [request_of(report, request) for report in reports]
    return render(fmt, body, root="service_requests", item="request")


@open311_view
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    _allow(request, "GET", "HEAD")
    reports = selectors.public_reports_by_codes([service_request_id])
    if not reports:
        raise Open311Error(404, f"service_request_id: no request “{service_request_id}”.")
    return render(fmt, [request_of(reports[0], request)], root="service_requests", item="request")


@open311_view
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    _allow(request, "GET", "HEAD")
    report = selectors.report_by_token(token)
    if report is None:
        raise Open311Error(404, f"token: no request for token “{token}”.")
    body = [{"service_request_id": report.tracking_code, "token": report.token}]
    return render(fmt, body, root="service_requests", item="request")


def unknown_resource(request: HttpRequest, path: str) -> HttpResponse:
    """Anything else under /open311/v2/ gets the specification's 404, in the format its extension asks for."""
    fmt = path.rsplit(".", 1)[-1] if "." in path else "xml"
    return render_errors(fmt, 404, [f"Unknown resource “{path}”."])
