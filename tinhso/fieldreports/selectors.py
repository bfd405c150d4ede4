"""Reads of field reports, with the acting user's scope applied; public reads never carry personal data."""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unidecode import unidecode

from tinhso.core import caching, permissions
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Forbidden, InvalidInput, NotFound, text
from tinhso.core.eventlog import stream_name, stream_of
from tinhso.core.language import in_active_language
from tinhso.core.lifecycle import Party, Transition
from tinhso.core.models import AdminUnit, Domain, Event, Role, User
from tinhso.core.paging import Page, keyset_page
from tinhso.fieldreports import events, lifecycle
from tinhso.fieldreports.models import (
    ApiKey,
    Category,
    CategoryAttribute,
    Follow,
    Report,
    ReportPhoto,
    RoutingRule,
)

EARTH_RADIUS_M = 6_371_000
DUPLICATE_RADIUS_M = 50
DUPLICATE_WINDOW = timedelta(weeks=12)
# Public reports a page of the list shows, and the newest drawn on its map.
PAGE_SIZE = 50
MAP_POINTS = 500
# Suggestions shown at once: enough to find the match, few enough for a phone screen.
MAX_SUGGESTIONS = 10
# Communes are searched within this box around a point (about 30 km), so resolving a point reads few rows.
_SEARCH_DEGREES = 0.27
# A point further than this many commune radii from the nearest commune centre is at sea or abroad.
_MAX_RADII = 3.0
_MIN_REACH_M = 5_000
# The roles of core.permissions.MATRIX, the one table of who may do what.
COORDINATOR_ROLES = tuple(sorted(permissions.roles_for(Domain.FIELD_REPORTS, "coordinate")))
HANDLER_ROLES = tuple(sorted(permissions.roles_for(Domain.FIELD_REPORTS, "handle")))
STAFF_VIEW_ROLES = tuple(sorted(permissions.roles_for(Domain.FIELD_REPORTS, "view")))

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _box(latitude: float, longitude: float, metres: float) -> Q:
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
    return Q(
        latitude__gte=latitude - dlat,
        latitude__lte=latitude + dlat,
        longitude__gte=longitude - dlon,
        longitude__lte=longitude + dlon,
    )


# Candidates nearest a point by a flat-earth distance in SQL; the nearest of them by great-circle distance wins.
_NEAREST_CANDIDATES = 5


def commune_at(*, latitude: float, longitude: float) -> AdminUnit:
    """The configured province's commune whose centre is nearest the point; refuses a point outside. The
    database finds the few communes nearest the point within a box around it; their exact distance decides."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(
            _("Tọa độ không hợp lệ."),
            errors={"latitude": [_("Vĩ độ phải từ -90 đến 90, kinh độ từ -180 đến 180.")]},
        )
    squeeze = math.cos(math.radians(latitude)) ** 2
    north, east = F("latitude") - latitude, F("longitude") - longitude
    candidates = (
        AdminUnit.objects.filter(
            kind=AdminUnit.Kind.COMMUNE,
            latitude__range=(latitude - _SEARCH_DEGREES, latitude + _SEARCH_DEGREES),
            longitude__range=(longitude - _SEARCH_DEGREES, longitude + _SEARCH_DEGREES),
        )
        .annotate(flat=ExpressionWrapper(north * north + east * east * squeeze, output_field=FloatField()))
        .order_by("flat", "pk")[:_NEAREST_CANDIDATES]
    )
    nearest = min(candidates, key=lambda unit: distance_m(latitude, longitude, *unit.centre), default=None)
    province = province_communes().province
    message = text(
        _("Vị trí (%(latitude).5f, %(longitude).5f) nằm ngoài địa bàn %(province)s."),
        {
            "latitude": latitude,
            "longitude": longitude,
            "province": province.name,
        },
    )
    outside = InvalidInput(message, code="outside_province", errors={"latitude": [message]})
    if nearest is None or nearest.parent_id != province.pk:
        raise outside
    radius = math.sqrt((nearest.area_km2 or 0) * 1_000_000 / math.pi)
    if distance_m(latitude, longitude, *nearest.centre) > max(_MAX_RADII * radius, _MIN_REACH_M):
        raise outside
    return nearest


_KINDS = re.compile(r"^(?:phuong|xa|thi tran|dac khu)\s+")


def _bare(name: str) -> str:
    """A unit's name as people write it in an address: no accents, no case, no “Phường”/“Xã” before it."""
    return _KINDS.sub("", unidecode(name).lower().strip())


@dataclass(frozen=True)
class ProvinceCommunes:
    """The configured province and its communes with a centre (by name), each name also without accents."""

    province: AdminUnit
    communes: tuple[AdminUnit, ...]
    plain_names: tuple[str, ...]  # unidecode'd, lower case
    bare_names: tuple[str, ...]  # as `_bare`

    def by_code(self, code: str) -> AdminUnit | None:
        return next((unit for unit in self.communes if unit.code == code), None)


# Units change by an administrative decision, a few times a decade: each process keeps the province's
# communes for a while, and forgets them at once when it writes a unit itself.
PLACES_SECONDS = 300
_PROVINCE_COMMUNES = caching.Kept("fieldreports.province_communes", seconds=PLACES_SECONDS, max_entries=4)


def province_communes() -> ProvinceCommunes:
    return _PROVINCE_COMMUNES.get(settings.TINHSO_PROVINCE_GSO_CODE, _read_province_communes)


def _read_province_communes() -> ProvinceCommunes:
    communes = tuple(commune_centres())
    return ProvinceCommunes(
        province=core_selectors.province_unit(),
        communes=communes,
        plain_names=tuple(unidecode(unit.name).lower() for unit in communes),
        bare_names=tuple(_bare(unit.name) for unit in communes),
    )


def search_communes(text: str, *, limit: int = 8) -> list[AdminUnit]:
    """The province's communes whose name holds every word typed, accents or not (“an xuyen”)."""
    words = unidecode(text).lower().split()
    if not words:
        return []
    kept = province_communes()
    found = [
        unit
        for unit, plain in zip(kept.communes, kept.plain_names, strict=True)
        if all(word in plain for word in words)
    ]
    return found[:limit]


def communes_named_in(text: str) -> list[AdminUnit]:
    """The province's communes an address names (“…, phường An Xuyên”), longest names first."""
    plain = f" {' '.join(re.sub(r'[^a-z0-9]+', ' ', unidecode(text).lower()).split())} "
    kept = province_communes()
    named = [unit for unit, bare in zip(kept.communes, kept.bare_names, strict=True) if f" {bare} " in plain]
    return sorted(named, key=lambda unit: -len(unit.name))


def place_of_report(
    *, latitude: float | None, longitude: float | None, commune_code: str | None, address: str
) -> tuple[AdminUnit, float, float]:
    """The commune a report goes to and its point. A commune the reporter picked is taken as said (its centre
    when no point was given); a point is resolved to its commune, unless the address names another commune:
    then the reporter is asked to pick, for a report is never moved without a word."""
    if commune_code:
        commune = province_communes().by_code(commune_code)
        if commune is None:
            message = _("Hãy chọn một xã, phường của tỉnh trong danh sách.")
            raise InvalidInput(message, errors={"commune": [message]})
        if latitude is None or longitude is None:
            return commune, *commune.centre
        return commune, latitude, longitude
    if latitude is None or longitude is None:
        message = _(
            "Hãy chọn vị trí trên bản đồ, dùng vị trí của điện thoại, hoặc chọn xã, phường trong danh sách."
        )
        raise InvalidInput(message, errors={"latitude": [message], "commune": [message]})
    resolved = commune_at(latitude=latitude, longitude=longitude)
    named = communes_named_in(address)
    if named and resolved not in named:
        mismatch = text(
            _(
                "Địa chỉ ghi “%(named)s” nhưng điểm chọn trên bản đồ thuộc %(resolved)s. "
                "Hãy chọn xã, phường nơi xảy ra trong danh sách (hoặc chọn lại điểm trên bản đồ)."
            ),
            {"named": named[0].name, "resolved": resolved.name},
        )
        raise InvalidInput(mismatch, code="place_mismatch", errors={"commune": [mismatch]})
    return resolved, latitude, longitude


def commune_centres() -> QuerySet[AdminUnit]:
    """The configured province's communes that have a centre, for the maps."""
    return AdminUnit.objects.filter(
        parent=core_selectors.province_unit(), kind=AdminUnit.Kind.COMMUNE, latitude__isnull=False
    ).order_by("name")


Corner = tuple[float | None, float | None]


def province_bounds() -> tuple[Corner, Corner]:
    """South-west and north-east corners of the box holding every commune centre of the province (from the
    communes this process keeps)."""
    centres = [unit.centre for unit in province_communes().communes]
    if not centres:
        return (None, None), (None, None)
    latitudes, longitudes = zip(*centres, strict=True)
    return (min(latitudes), min(longitudes)), (max(latitudes), max(longitudes))


def category_by_code(code: str) -> Category:
    """An active category a report can be filed in, with its extra questions (`attributes.all()` reads
    nothing more), from the categories this process keeps."""
    category = _CATEGORIES.get(None, _read_categories).get(code)
    if category is None:
        message = text(_("Không có lĩnh vực phản ánh mã “%(code)s”."), {"code": code})
        raise InvalidInput(message, code="unknown_category", errors={"category": [message]})
    return category


def _read_categories() -> dict[str, Category]:
    categories = Category.objects.filter(active=True, parent__isnull=False).prefetch_related("attributes")
    return {category.code: category for category in categories}


def reportable_categories() -> QuerySet[Category]:
    """The categories a citizen picks from (second level), with their group."""
    return (
        Category.objects.filter(active=True, parent__isnull=False, parent__active=True)
        .select_related("parent")
        .order_by("parent__order", "parent__code", "order", "code")
    )


def commune_committee(commune: AdminUnit) -> AdminUnit:
    """The commune's people's committee (its agency unit), or the commune itself before agencies exist."""
    return _COMMITTEES.get(commune.pk, lambda: _read_commune_committee(commune))


def _read_commune_committee(commune: AdminUnit) -> AdminUnit:
    committee = AdminUnit.objects.filter(
        parent=commune, agency_code=f"{commune.code}.{settings.TINHSO_PROVINCE}"
    )
    return committee.first() or commune


# Categories, routing rules and units change by a coordinator's decision: each process keeps them for a while
# (a filing then reads none of them), and forgets them at once when it writes a rule, a category or a unit.
ROUTING_SECONDS = 60
_CATEGORIES = caching.Kept("fieldreports.categories", seconds=ROUTING_SECONDS, max_entries=1)
_ROUTING_RULES = caching.Kept("fieldreports.routing_rules", seconds=ROUTING_SECONDS, max_entries=1)
_COMMITTEES = caching.Kept("fieldreports.commune_committees", seconds=ROUTING_SECONDS, max_entries=20_000)


def responsible_unit_for(*, category: Category, commune: AdminUnit) -> AdminUnit:
    """The unit named by the most specific routing rule: commune before any commune, the category before its
    group before any category, then the rule's order. Without a rule, the commune's people's committee."""
    rules = _ROUTING_RULES.get(None, lambda: tuple(RoutingRule.objects.select_related("unit")))

    def specificity(rule: RoutingRule) -> tuple[Any, ...]:
        category_rank = 0 if rule.category_id == category.pk else 1 if rule.category_id else 2
        return (0 if rule.commune_id else 1, category_rank, rule.order, rule.pk)

    applying = (
        rule
        for rule in rules
        if rule.commune_id in (commune.pk, None)
        and rule.category_id in (category.pk, category.parent_id, None)
    )
    rule = min(applying, key=specificity, default=None)
    if rule is None or rule.target == RoutingRule.Target.COMMUNE_COMMITTEE or rule.unit is None:
        return commune_committee(commune)
    return rule.unit


@receiver(post_save, sender=AdminUnit)
@receiver(post_delete, sender=AdminUnit)
@receiver(post_save, sender=RoutingRule)
@receiver(post_delete, sender=RoutingRule)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=CategoryAttribute)
@receiver(post_delete, sender=CategoryAttribute)
def _forget_places_and_routes(**kwargs: object) -> None:
    for kept in (_PROVINCE_COMMUNES, _CATEGORIES, _ROUTING_RULES, _COMMITTEES):
        kept.clear()


def duplicate_candidates(report: Report, *, limit: int = MAX_SUGGESTIONS) -> list[Report]:
    """Reports that may be the same problem: same category, within 50 m, filed in the last 12 weeks;
    the oldest first, since a duplicate is merged into the report filed first."""
    since = report.submitted_at - DUPLICATE_WINDOW
    nearby = (
        Report.objects.filter(_box(report.latitude, report.longitude, DUPLICATE_RADIUS_M))
        .filter(
            category=report.category,
            submitted_at__gte=since,
            submitted_at__lte=report.submitted_at + DUPLICATE_WINDOW,
        )
        .exclude(pk=report.pk)
        .exclude(status__in=[Report.Status.MERGED, Report.Status.REJECTED])
        .order_by("submitted_at", "pk")
    )
    within = (
        other
        for other in nearby.iterator(chunk_size=200)
        if distance_m(report.latitude, report.longitude, other.latitude, other.longitude)
        <= DUPLICATE_RADIUS_M
    )
    return list(islice(within, limit))


def nearby_open_reports(
    *, category: Category, latitude: float, longitude: float, now: datetime | None = None
) -> list[Report]:
    """What a citizen is shown before filing: open public reports of the same kind within 50 m."""
    since = (now or timezone.now()) - DUPLICATE_WINDOW
    nearby = (
        Report.objects.filter(
            _box(latitude, longitude, DUPLICATE_RADIUS_M),
            category=category,
            submitted_at__gte=since,
            status__in=Report.OPEN_STATUSES,
        )
        .select_related("category")
        .order_by("-submitted_at", "-pk")
    )
    within = (
        report
        for report in nearby.iterator(chunk_size=200)
        if distance_m(latitude, longitude, report.latitude, report.longitude) <= DUPLICATE_RADIUS_M
    )
    return list(islice(within, MAX_SUGGESTIONS))


def public_photos() -> "Prefetch[str, QuerySet[ReportPhoto], str]":
    """A report's photos whose public copy exists (never one waiting for the job or refused by it)."""
    return Prefetch("photos", queryset=ReportPhoto.objects.filter(state=ReportPhoto.State.PUBLIC))


def public_reports() -> QuerySet[Report]:
    """Reports anyone may see (rejected ones are not published); callers show public fields only."""
    return (
        Report.objects.exclude(status=Report.Status.REJECTED)
        .select_related("category", "category__parent", "commune", "responsible_unit", "merged_into")
        .prefetch_related(public_photos())
    )


def public_report(tracking_code: str) -> Report:
    """One report by its tracking code, rejected ones too, so whoever filed it learns the outcome."""
    report = next(iter(public_reports_by_codes([tracking_code])), None)
    if report is None:
        raise NotFound(
            text(_("Không có phản ánh mã “%(tracking_code)s”."), {"tracking_code": tracking_code}),
            code="report_not_found",
        )
    return report


@dataclass(frozen=True)
class ReportPageState:
    """A report as its page needs it per reader (a few columns), and what the page's kept part changes with:
    the last write to the row, the last event of its stream (a follow, the overdue flag and a merge write no
    row) and its followers."""

    report: Report
    last_event: int | None
    followers: int

    def key(self) -> tuple[object, ...]:
        return (self.report.tracking_code, self.report.updated_at, self.last_event, self.followers)


def public_report_state(tracking_code: str) -> ReportPageState | None:
    """A report's page's state (ReportPageState) in one statement; rejected reports too, as public_report."""
    prefix = stream_name(Report, 0).removesuffix("0")  # a report's stream's name before its id
    stream = Concat(Value(prefix), Cast(OuterRef("pk"), CharField()))
    last_event = Event.objects.filter(stream=stream).order_by("-seq").values("seq")[:1]
    followers = (
        Follow.objects.filter(report=OuterRef("pk")).values("report").annotate(n=Count("pk")).values("n")
    )
    report = (
        Report.objects.filter(tracking_code=tracking_code_typed(tracking_code))
        .only("tracking_code", "status", "version", "updated_at", "satisfied", "personal_data_removed_at",
              "reporter")
        .annotate(last_event=Subquery(last_event), followers=Coalesce(Subquery(followers), 0))
        .first()
    )  # fmt: skip
    if report is None:
        return None
    return ReportPageState(report=report, last_event=report.last_event, followers=report.followers)


def follows(report: Report, *, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and report.follows.filter(user=user).exists()


@dataclass(frozen=True)
class PublicFilters:
    """What the public list and its map are narrowed to: a category or its group, a commune, open or closed."""

    category: str = ""
    commune: str = ""
    status: str = ""


def _filtered(reports: QuerySet[Report], filters: PublicFilters) -> QuerySet[Report]:
    if filters.category:
        reports = reports.filter(
            Q(category__code=filters.category) | Q(category__parent__code=filters.category)
        )
    if filters.commune:
        reports = reports.filter(commune__code=filters.commune)
    if filters.status == "open":
        reports = reports.filter(status__in=Report.OPEN_STATUSES)
    elif filters.status == "closed":
        reports = reports.filter(status__in=Report.CLOSED_STATUSES)
    return reports


def filter_public_reports(*, filters: PublicFilters, limit: int = MAP_POINTS) -> list[Report]:
    """The newest public reports matching the filters, whole (with their photos), for the API."""
    return list(_filtered(public_reports(), filters).order_by("-submitted_at", "-pk")[:limit])


def public_state() -> tuple[datetime | None, int | None]:
    """Changes whenever a public list or map may: the last write to any report (each write stamps
    `updated_at`) and the newest report; two index look-ups, whatever the number of reports."""
    found = Report.objects.aggregate(changed=Max("updated_at"), newest=Max("pk"))
    return found["changed"], found["newest"]


def public_report_page(*, filters: PublicFilters, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """The public reports matching the filters, newest first, `size` at a time after `cursor` (keyset:
    submission time, id), with the columns the list shows."""
    reports = _filtered(Report.objects.exclude(status=Report.Status.REJECTED), filters)
    reports = reports.select_related("category", "commune", "merged_into").only(
        *_LISTED, "category__name", "category__name_en", "commune__name", "merged_into__tracking_code"
    )
    return keyset_page(reports, field="submitted_at", cursor=cursor, size=size, newest_first=True)


# The columns of a report the public list shows.
_LISTED = ("tracking_code", "status", "submitted_at", "description", "result", "category", "commune")


def public_report_count(*, filters: PublicFilters) -> int:
    return _filtered(Report.objects.exclude(status=Report.Status.REJECTED), filters).count()


@dataclass(frozen=True)
class MapPoint:
    """A public report as the map draws it."""

    tracking_code: str
    latitude: float
    longitude: float
    category: str
    status: str
    open: bool


def public_map_points(*, filters: PublicFilters, limit: int = MAP_POINTS) -> list[MapPoint]:
    """The newest public reports matching the filters as map points: plain rows, no model instances."""
    reports = _filtered(Report.objects.exclude(status=Report.Status.REJECTED), filters)
    rows = reports.order_by("-submitted_at", "-pk").values_list(
        "tracking_code", "latitude", "longitude", "category__name", "category__name_en", "status"
    )[:limit]
    return [
        MapPoint(
            tracking_code=code,
            latitude=latitude,
            longitude=longitude,
            category=in_active_language(vi=name, en=name_en),
            status=str(Report.Status(status).label),
            open=status in Report.OPEN_STATUSES,
        )
        for code, latitude, longitude, name, name_en, status in rows
    ]


def communes() -> QuerySet[AdminUnit]:
    """The configured province's communes by name, to filter the public list by."""
    return AdminUnit.objects.filter(
        parent=core_selectors.province_unit(), kind=AdminUnit.Kind.COMMUNE
    ).order_by("name")


def shown_photos(report: Report) -> list[ReportPhoto]:
    """The report's photos whose public copy exists (from `public_photos` when prefetched)."""
    return [photo for photo in report.photos.all() if photo.state == ReportPhoto.State.PUBLIC]


def photos_by_kind(report: Report) -> tuple[list[ReportPhoto], list[ReportPhoto]]:
    """The reporter's photos and the handling unit's result photos (from the prefetched photos)."""
    photos = shown_photos(report)
    reported = [photo for photo in photos if photo.kind == ReportPhoto.Kind.REPORT]
    return reported, [photo for photo in photos if photo.kind == ReportPhoto.Kind.RESULT]


def reports_of_reporter(user: User) -> QuerySet[Report]:
    """A citizen's own reports, whatever their status."""
    return Report.objects.filter(reporter=user).select_related("category", "commune", "responsible_unit")


def is_coordinator(user: User) -> bool:
    """Coordinators hold a reception, specialist or leader role over the whole province (at it or above it):
    the user's roles are read, the province is the one this process keeps."""
    province = province_communes().province
    return any(
        assignment.role in COORDINATOR_ROLES and province.path.startswith(assignment.unit.path)
        for assignment in core_selectors.active_roles(user, domain=Domain.FIELD_REPORTS)
    )


def require_coordinator(user: User) -> None:
    if not is_coordinator(user):
        raise Forbidden(_("Chỉ trung tâm điều phối của tỉnh được làm việc này."), code="coordinator_required")


def _handled_units(user: User) -> QuerySet[AdminUnit]:
    return core_selectors.units_where(user, *HANDLER_ROLES, domain=Domain.FIELD_REPORTS)


def can_handle(user: User, report: Report) -> bool:
    return _handled_units(user).filter(pk=report.responsible_unit_id).exists()


def require_handler(user: User, report: Report) -> None:
    if not can_handle(user, report):
        raise Forbidden(
            text(_("Phản ánh %(code)s không thuộc đơn vị của bạn."), {"code": report.tracking_code}),
            code="not_responsible_unit",
        )


def reports_for_staff(user: User) -> QuerySet[Report]:
    """Reports an official may see: all for coordinators, else those routed to units in their scope."""
    reports = Report.objects.select_related("category", "commune", "responsible_unit")
    if is_coordinator(user):
        return reports
    return reports.filter(
        responsible_unit__in=core_selectors.units_where(user, *STAFF_VIEW_ROLES, domain=Domain.FIELD_REPORTS)
    )


def staff_queue(user: User, *, status: str, limit: int = 300) -> list[Report]:
    """The reports an official may see with `status`: "open" (soonest deadline first), a status code, or any
    other value for all of them."""
    reports = reports_for_staff(user)
    if status == "open":
        reports = reports.filter(status__in=Report.OPEN_STATUSES).order_by("due_at")
    elif status in Report.Status.values:
        reports = reports.filter(status=status)
    return list(reports[:limit])


# The columns the API's list of reports answers with (fieldreports.api.StaffReportOut).
_STAFF_LISTED = (
    "pk", "tracking_code", "description", "latitude", "longitude", "address", "status", "submitted_at",
    "due_at", "result", "merged_into__tracking_code", "version", "overdue_at", "category__code",
    "category__name", "category__name_en", "commune__code", "commune__name", "responsible_unit__code",
    "responsible_unit__name",
)  # fmt: skip


def staff_open_page(user: User, *, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """The open reports an official may see, soonest deadline first, `size` at a time after `cursor`
    (keyset: deadline, id), as plain rows of `_STAFF_LISTED` (no model instances: the API answers 50 at a
    time), each with its photos' public file names under "photos": two statements whatever the size."""
    reports = reports_for_staff(user).filter(status__in=Report.OPEN_STATUSES).values(*_STAFF_LISTED)
    page = keyset_page(reports, field="due_at", cursor=cursor, size=size, newest_first=False)
    photos: dict[int, list[str]] = {row["pk"]: [] for row in page.items}
    if photos:
        found = ReportPhoto.objects.filter(report_id__in=photos, state=ReportPhoto.State.PUBLIC)
        found = found.order_by("uploaded_at", "pk")
        for report_id, name in found.values_list("report_id", "image"):
            photos[report_id].append(name)
    for row in page.items:
        row["photos"] = photos[row["pk"]]
    return page


def tracking_code_typed(text: str) -> str:
    """A tracking code as a person may type it ("pa261206-abcde ") in the form it is stored."""
    return "".join(text.split()).upper()


def report_for_staff(user: User, tracking_code: str) -> Report:
    report = reports_for_staff(user).filter(tracking_code=tracking_code_typed(tracking_code)).first()
    if report is None:
        raise NotFound(
            text(
                _("Không có phản ánh mã “%(tracking_code)s” trong phạm vi của bạn."),
                {"tracking_code": tracking_code},
            ),
            code="report_not_found",
        )
    return report


@dataclass(frozen=True)
class ReporterContact:
    name: str
    phone: str
    email: str
    signed_in: bool


def reporter_contact(report: Report) -> ReporterContact:
    """How a coordinator reaches the reporter: what they left on the form, else their account's details."""
    account = report.reporter
    return ReporterContact(
        name=report.reporter_name or (account.display_name if account else ""),
        phone=report.reporter_phone or (account.phone if account else ""),
        email=report.reporter_email or (account.email if account else ""),
        signed_in=account is not None,
    )


def is_reporter(report: Report, *, user: User | None, contact: str = "") -> bool:
    """The reporter is the signed-in author, or whoever gives the phone number or email they left."""
    if user is not None and user.is_authenticated and report.reporter_id == user.pk:
        return True
    contact = contact.strip().lower()
    return bool(contact) and contact in {
        report.reporter_phone.strip(),
        report.reporter_email.strip().lower(),
    } - {""}


def leaders_of(unit: AdminUnit) -> list[User]:
    """The leaders of a unit; when it has none, those of the nearest unit above it that has."""
    ids = core_selectors.role_holders(Role.UNIT_LEADER, unit, domain=Domain.FIELD_REPORTS, nearest=True)
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


# A report in these waits on its responsible unit (a resolved one waits on the coordinators' review).
WAITING_ON_UNIT = (Report.Status.ROUTED, Report.Status.ACKNOWLEDGED, Report.Status.REOPENED)


def _late(now: datetime) -> Q:
    return Q(status__in=WAITING_ON_UNIT, due_at__lt=now)


def overdue_reports(*, now: datetime) -> QuerySet[Report]:
    """Reports still waiting on their unit after their deadline, not flagged yet."""
    return Report.objects.filter(_late(now), overdue_at__isnull=True)


@dataclass(frozen=True)
class HandlerCounts:
    assigned: int
    overdue: int


def handler_counts(*, user: User, now: datetime) -> HandlerCounts:
    """How many reports wait on the units the official handles for, and how many of them are overdue."""
    counts = Report.objects.filter(
        status__in=WAITING_ON_UNIT, responsible_unit__in=_handled_units(user)
    ).aggregate(assigned=Count("pk"), overdue=Count("pk", filter=_late(now)))
    return HandlerCounts(**counts)


def api_key_by_secret(secret: str) -> ApiKey | None:
    """The partner filing with this key, through the integration platform: its key must be in use and a grant
    in force must cover Open311 filing."""
    from tinhso.integration import selectors as integration_selectors

    return integration_selectors.open311_identity(secret)


def public_reports_by_codes(codes: list[str]) -> list[Report]:
    """Reports looked up by tracking code (any case, spaces around ignored: codes are upper case): rejected
    ones too, so their filer learns the outcome."""
    codes = [tracking_code_typed(code) for code in codes]
    reports = (
        Report.objects.filter(tracking_code__in=codes)
        .select_related("category", "category__parent", "commune__parent", "responsible_unit", "merged_into")
        .prefetch_related(public_photos())
    )
    return sorted(reports, key=lambda report: codes.index(report.tracking_code))


def report_by_token(token: str) -> Report | None:
    return Report.objects.filter(token=token).first()


def open311_search(
    *, start: datetime, end: datetime, service_codes: list[str], statuses: set[str], limit: int
) -> list[Report]:
    """Open311 search: filed between start and end, newest first, at most `limit`."""
    reports = (
        public_reports()
        .select_related("commune__parent")
        .filter(submitted_at__gte=start, submitted_at__lte=end)
    )
    if service_codes:
        reports = reports.filter(category__code__in=service_codes)
    if statuses == {"open"}:
        reports = reports.filter(status__in=Report.OPEN_STATUSES)
    elif statuses == {"closed"}:
        reports = reports.filter(status__in=Report.CLOSED_STATUSES)
    return list(reports.order_by("-submitted_at", "-pk")[:limit])


_TIMELINE: dict[str, "StrOrPromise"] = {
    events.SUBMITTED: _("Tiếp nhận phản ánh"),
    events.ROUTED: _("Chuyển %(unit)s xử lý"),
    events.REROUTED: _("Chuyển lại cho %(unit)s"),
    events.CATEGORY_CHANGED: _("Điều chỉnh lĩnh vực, chuyển %(unit)s xử lý"),
    events.SPLIT_FROM: _("Tách từ phản ánh %(parent)s, chuyển %(unit)s xử lý"),
    events.SPLIT: _("Tách nội dung thành phản ánh riêng"),
    events.ACKNOWLEDGED: _("Đơn vị xử lý đã nhận"),
    events.RESOLVED: _("Đơn vị báo cáo kết quả xử lý"),
    events.RESULT_SENT_BACK: _("Trung tâm điều phối yêu cầu đơn vị xử lý tiếp"),
    events.PUBLISHED: _("Công khai kết quả xử lý"),
    events.RATED: _("Người phản ánh đã đánh giá kết quả"),
    events.FOLLOWED: _("Thêm một người dân theo dõi phản ánh này"),
    events.REOPENED: _("Mở lại để xử lý tiếp theo đánh giá của người phản ánh"),
    events.REJECTED: _("Không tiếp nhận: %(reason)s"),
    events.MERGED: _("Gộp vào phản ánh %(into)s"),
    events.DUPLICATE_MERGED: _("Gộp phản ánh trùng %(duplicate)s"),
    events.OVERDUE: _("Quá hạn xử lý"),
    events.PERSONAL_DATA_REMOVED: _("Đã xóa thông tin cá nhân của người phản ánh"),
}


def public_timeline(report: Report) -> list[tuple[datetime, str]]:
    """What happened to a report, in words anyone may read: units by name, no person named."""
    events = list(Event.objects.filter(stream=stream_of(report), action__in=_TIMELINE).order_by("seq"))
    codes = {event.payload.get("unit") for event in events} - {None}
    names = dict(AdminUnit.objects.filter(code__in=codes).values_list("code", "name"))
    timeline = []
    for event in events:
        values = {key: value for key, value in event.payload.items() if isinstance(value, str)}
        values["unit"] = names.get(event.payload.get("unit"), "")
        timeline.append((event.occurred_at, str(_TIMELINE[event.action]) % values))
    return timeline


def handling_units() -> QuerySet[AdminUnit]:
    """Units a report can be routed to: the province's agencies and its communes' people's committees."""
    province = core_selectors.province_unit()
    return (
        AdminUnit.objects.filter(core_selectors.under_path(province.path), agency_code__isnull=False)
        .exclude(kind=AdminUnit.Kind.SERVICE_CENTRE)
        .order_by("depth", "name")
    )


def reports_past_retention(*, closed_before: datetime) -> QuerySet[Report]:
    """Closed reports still holding a reporter's data after the retention period."""
    return Report.objects.filter(
        status__in=Report.CLOSED_STATUSES, closed_at__lt=closed_before, personal_data_removed_at__isnull=True
    ).filter(Q(reporter__isnull=False) | ~Q(reporter_name="") | ~Q(reporter_phone="") | ~Q(reporter_email=""))


def reports_followed_by(user: User) -> QuerySet[Report]:
    return (
        Report.objects.filter(follows__user=user)
        .select_related("category", "commune")
        .order_by("-submitted_at")
    )


def tracking_code_of(report_pk: int) -> str | None:
    return Report.objects.filter(pk=report_pk).values_list("tracking_code", flat=True).first()


def people_to_tell(report_pk: int) -> list[int]:
    """Accounts told about a report's result: the signed-in reporter (unless erased) and its followers."""
    report = Report.objects.filter(pk=report_pk).values("reporter_id", "personal_data_removed_at").first()
    if report is None:
        return []
    followers = list(Report.objects.get(pk=report_pk).follows.values_list("user_id", flat=True))
    reporter = (
        [report["reporter_id"]] if report["reporter_id"] and not report["personal_data_removed_at"] else []
    )
    return reporter + followers


# ---- the lifecycle: who may do what now ------------------------------------------------------------


def is_party(actor: User | None, report: Report, party: Party, *, contact: str = "") -> bool:
    """Whether the actor is, for this report now, the party a transition names (fieldreports.lifecycle)."""
    if party == lifecycle.REPORTER:
        return is_reporter(report, user=actor, contact=contact)
    if actor is None or not actor.is_authenticated:
        return False
    if party == lifecycle.COORDINATOR:
        return is_coordinator(actor)
    if party == lifecycle.HANDLER:
        return can_handle(actor, report)
    raise ValueError(party)


def _possible(report: Report, transition: Transition) -> bool:
    """The conditions beyond status and party under which the services take an action."""
    if transition.action == "rate":
        return report.satisfied is None
    if transition.action == "remove_personal_data":
        return report.personal_data_removed_at is None
    return True


def offered_actions(*, actor: User, report: Report, contact: str = "") -> list[Transition]:
    """The actions the actor may take on the report now, the expected next one first and the destructive
    ones (merge, reject) last: what the staff page shows and the API's `actions` answers."""
    parties: dict[Party, bool] = {}

    def holds(party: Party) -> bool:
        if party not in parties:
            parties[party] = is_party(actor, report, party, contact=contact)
        return parties[party]

    return lifecycle.LIFECYCLE.offered(report.status, holds, lambda row: _possible(report, row))
