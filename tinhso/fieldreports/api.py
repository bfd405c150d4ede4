"""JSON API of field reports under /api/v1/fieldreports: public reads, a signed-in citizen's reports and
ratings, officials' handling actions. Open311 GeoReport v2 for partners lives at /open311/v2/."""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status
from pydantic import AliasPath, StringConstraints

from tinhso.core.api import ActionOut, action_rows, bearer_auth
from tinhso.core.auth import SignedInRequest
from tinhso.core.errors import NotFound
from tinhso.core.language import in_active_language
from tinhso.core.schema_types import FreeText, Version
from tinhso.fieldreports import lifecycle, selectors, services
from tinhso.fieldreports.models import Category, Report, ReportPhoto

router = Router(tags=["fieldreports"])


class CategoryOut(Schema):
    code: str
    name: str
    group: str
    urgency: str
    deadline_days: int | None
    deadline_hours: int | None

    @staticmethod
    def resolve_group(category: Category) -> str:
        return category.parent.display_name if category.parent else ""


class PublicReportOut(Schema):
    """What anyone may read about a report: never who filed it."""

    tracking_code: str
    category_code: str = Field(validation_alias=AliasPath("category", "code"))
    category_name: str = Field(validation_alias=AliasPath("category", "display_name"))
    description: str
    latitude: float
    longitude: float
    address: str
    commune_code: str = Field(validation_alias=AliasPath("commune", "code"))
    commune_name: str = Field(validation_alias=AliasPath("commune", "name"))
    responsible_unit: str = Field(validation_alias=AliasPath("responsible_unit", "name"))
    status: str
    status_label: str
    open: bool = Field(validation_alias="is_open")
    submitted_at: datetime
    due_at: datetime
    result: str
    merged_into: str | None
    photo_urls: list[str]

    @staticmethod
    def resolve_status_label(report: Report) -> str:
        return _status_label(report.status)

    @staticmethod
    def resolve_description(report: Report) -> str:
        return _shown_description(report.status, report.description)

    @staticmethod
    def resolve_result(report: Report) -> str:
        return _shown_result(report.status, report.result)

    @staticmethod
    def resolve_merged_into(report: Report) -> str | None:
        return report.merged_into.tracking_code if report.merged_into else None

    @staticmethod
    def resolve_photo_urls(report: Report) -> list[str]:
        return [photo.image.url for photo in selectors.shown_photos(report)]


def _status_label(status: str) -> str:
    # Not get_status_display: it hashes every choice's lazy label, one translation each, for every row.
    return str(Report.Status(status).label)


def _shown_description(status: str, description: str) -> str:
    return "" if status == Report.Status.REJECTED else description


def _shown_result(status: str, result: str) -> str:
    return result if status == Report.Status.PUBLISHED else ""


class StaffReportOut(PublicReportOut):
    version: int
    overdue: bool
    responsible_unit_code: str = Field(validation_alias=AliasPath("responsible_unit", "code"))

    @staticmethod
    def resolve_overdue(report: Report) -> bool:
        return report.overdue_at is not None


class ReportFilters(Schema):
    category: str = ""
    commune: str = ""
    status: str = ""


class ReportIn(Schema):
    category: str
    description: Annotated[str, StringConstraints(max_length=services.MAX_DESCRIPTION)]
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    address: Annotated[str, StringConstraints(max_length=services.MAX_ADDRESS)] = ""
    attributes: dict[str, str | list[str]] = {}


class RatingIn(Schema):
    satisfied: bool
    comment: Annotated[str, StringConstraints(max_length=1000)] = ""


class ActionIn(Schema):
    """The version the official read, and the fields the action needs."""

    version: Version
    reason: FreeText = ""
    unit_code: str = ""
    category_code: str = ""
    result: Annotated[str, StringConstraints(max_length=services.MAX_DESCRIPTION)] = ""
    into: str = ""
    description: Annotated[str, StringConstraints(max_length=services.MAX_DESCRIPTION)] = ""


@router.get("/categories", response=list[CategoryOut], auth=None, summary="Categories a citizen picks from")
def categories(request: HttpRequest):
    return selectors.reportable_categories()


@router.get("/reports", response=list[PublicReportOut], auth=None, summary="Public reports, newest first")
def reports(request: HttpRequest, filters: Query[ReportFilters]):
    return selectors.filter_public_reports(
        filters=selectors.PublicFilters(
            category=filters.category, commune=filters.commune, status=filters.status
        )
    )


@router.get("/reports/{tracking_code}", response=PublicReportOut, auth=None, summary="One public report")
def report(request: HttpRequest, tracking_code: str):
    return selectors.public_report(tracking_code)


@router.post("/reports", response={201: PublicReportOut}, auth=bearer_auth, summary="File a report")
def file_report(
    request: SignedInRequest, body: ReportIn, idempotency_key: str = Header("", alias="Idempotency-Key")
):
    filed = services.submit_report(
        category_code=body.category,
        description=body.description,
        latitude=body.latitude,
        longitude=body.longitude,
        address=body.address,
        attributes=body.attributes,
        reporter=request.auth,
        idempotency_key=idempotency_key.strip(),
    )
    return Status(201, filed)


@router.get(
    "/mine", response=list[PublicReportOut], auth=bearer_auth, summary="The signed-in citizen's reports"
)
def mine(request: SignedInRequest):
    return selectors.reports_of_reporter(request.auth).prefetch_related(selectors.public_photos())


def _own(request: SignedInRequest, tracking_code: str) -> Report:
    report = selectors.reports_of_reporter(request.auth).filter(tracking_code=tracking_code).first()
    if report is None:
        raise NotFound(f"Bạn không có phản ánh mã “{tracking_code}”.", code="report_not_found")
    return report


@router.post(
    "/reports/{tracking_code}/rating", response=PublicReportOut, auth=bearer_auth, summary="Rate the result"
)
def rate(request: SignedInRequest, tracking_code: str, body: RatingIn):
    report = _own(request, tracking_code)
    return services.rate_report(
        actor=request.auth,
        tracking_code=report.tracking_code,
        version=report.version,
        satisfied=body.satisfied,
        comment=body.comment,
    )


@router.post(
    "/reports/{tracking_code}/personal-data-removal",
    response=PublicReportOut,
    auth=bearer_auth,
    summary="Erase the reporter's personal data from a closed report",
)
def remove_personal_data(request: SignedInRequest, tracking_code: str):
    report = _own(request, tracking_code)
    return services.remove_personal_data(
        actor=request.auth, tracking_code=report.tracking_code, version=report.version
    )


@router.get(
    "/staff/reports",
    response=list[StaffReportOut],
    auth=bearer_auth,
    summary="Open reports in the official's scope, a page at a time",
    description=(
        "Soonest deadline first, at most `size` reports (default 50) after `cursor`. While more follow, the "
        '`Link` header carries the next page\'s URL with `rel="next"` (its `cursor` is opaque).'
    ),
)
def staff_reports(
    request: SignedInRequest,
    response: HttpResponse,
    cursor: str = "",
    size: int | None = Query(None, ge=1, le=200, description="Reports per page, 50 if not given"),
) -> HttpResponse:
    size = size or selectors.PAGE_SIZE
    page = selectors.staff_open_page(request.auth, cursor=cursor, size=size)
    if page.next_cursor:
        following = request.build_absolute_uri(f"?{urlencode({'cursor': page.next_cursor, 'size': size})}")
        response["Link"] = f'<{following}>; rel="next"'
    from tinhso.api import api  # the API this router belongs to (it imports this module)

    # The rows are StaffReportOut's fields already (tests compare them with it): no validation per attribute.
    rows = [_staff_row(row) for row in page.items]
    return api.create_response(request, rows, temporal_response=response)


_PHOTO_STORAGE = ReportPhoto._meta.get_field("image").storage


def _staff_row(row: dict[str, Any]) -> dict[str, Any]:
    """StaffReportOut of a row of `selectors.staff_open_page`, in its fields' order."""
    status = row["status"]
    return {
        "tracking_code": row["tracking_code"],
        "category_code": row["category__code"],
        "category_name": in_active_language(vi=row["category__name"], en=row["category__name_en"]),
        "description": _shown_description(status, row["description"]),
        "latitude": row["latitude"],
        "longitude": row["longitude"],
        "address": row["address"],
        "commune_code": row["commune__code"],
        "commune_name": row["commune__name"],
        "responsible_unit": row["responsible_unit__name"],
        "status": status,
        "status_label": _status_label(status),
        "open": status in Report.OPEN_STATUSES,
        "submitted_at": row["submitted_at"],
        "due_at": row["due_at"],
        "result": _shown_result(status, row["result"]),
        "merged_into": row["merged_into__tracking_code"],
        "photo_urls": [_PHOTO_STORAGE.url(name) for name in row["photos"]],
        "version": row["version"],
        "overdue": row["overdue_at"] is not None,
        "responsible_unit_code": row["responsible_unit__code"],
    }


# The API's names of the staff actions (fieldreports.lifecycle's names are accepted too).
STAFF_PATHS = {
    "post_result": "result",
    "approve_result": "approve",
    "send_back_result": "return",
    "change_category": "category",
}


@router.get(
    "/staff/reports/{tracking_code}/actions",
    response=list[ActionOut],
    auth=bearer_auth,
    summary="What the official may do now on the report, expected first",
)
def staff_actions(request: SignedInRequest, tracking_code: str) -> list[dict[str, object]]:
    report = selectors.report_for_staff(request.auth, tracking_code)
    return action_rows(
        (
            row
            for row in selectors.offered_actions(actor=request.auth, report=report)
            if lifecycle.REPORTER not in row.parties
        ),
        path_of=lambda row: (
            f"/api/v1/fieldreports/staff/reports/{tracking_code}/{STAFF_PATHS.get(row.action, row.action)}"
        ),
    )


@router.post(
    "/staff/reports/{tracking_code}/{action}",
    response=StaffReportOut,
    auth=bearer_auth,
    summary="A handling action: acknowledge, result, approve, return, reroute, category, merge, split, reject",
)
def staff_action(request: SignedInRequest, tracking_code: str, action: str, body: ActionIn):
    user = request.auth
    report = selectors.report_for_staff(user, tracking_code)
    case: dict[str, Any] = {"actor": user, "tracking_code": report.tracking_code, "version": body.version}
    match action:
        case "acknowledge":
            return services.acknowledge_report(**case)
        case "result" | "post_result":
            return services.post_result(**case, result=body.result)
        case "approve" | "approve_result":
            return services.approve_result(**case)
        case "return" | "send_back_result":
            return services.send_back_result(**case, reason=body.reason)
        case "reroute":
            return services.reroute_report(**case, unit_code=body.unit_code, reason=body.reason)
        case "category" | "change_category":
            return services.change_category(**case, category_code=body.category_code, reason=body.reason)
        case "merge":
            into = selectors.report_for_staff(user, body.into)
            return services.merge_reports(**case, into=into.tracking_code)
        case "split":
            services.split_report(**case, parts=[(body.category_code, body.description)])
            return selectors.report_for_staff(user, tracking_code)
        case "reject":
            return services.reject_report(**case, reason=body.reason)
    raise NotFound(f"Không có thao tác “{action}”.", code="unknown_action")
