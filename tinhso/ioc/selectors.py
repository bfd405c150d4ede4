"""Reads of the IOC, scoped like the pages: a province leader sees the province, a unit leader their units.
KPIs read the counters (a few rows per unit and period), never the dossiers themselves."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.catalog.models import Procedure, ProcessStep, RequiredDocument
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Forbidden, InvalidInput, NotFound
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, Role, User
from tinhso.dossiers.models import Channel, Rating
from tinhso.ioc import periods, rules
from tinhso.ioc.models import Alert, ConsumerState, Counter, DossierFact, ReportFact
from tinhso.ioc.periods import Period

IOC_ROLES = (Role.PROVINCE_LEADER, Role.UNIT_LEADER)
PAGE_SIZE = 50  # rows of a drill-down page; the CSV and Excel exports hold them all


# ---- scope ------------------------------------------------------------------------------------------


def may_see_ioc(user: User) -> bool:
    return user.is_authenticated and any(
        assignment.role in IOC_ROLES for assignment in core_selectors.active_roles(user)
    )


def root_units(user: User) -> list[AdminUnit]:
    """The highest units the user leads (the province for a province leader)."""
    if not user.is_authenticated:
        raise Forbidden("Cần đăng nhập bằng tài khoản lãnh đạo.", code="ioc_forbidden")
    units = sorted(
        {a.unit for a in core_selectors.active_roles(user) if a.role in IOC_ROLES}, key=lambda unit: unit.path
    )
    roots = [
        unit
        for unit in units
        if not any(unit.path.startswith(other.path) and unit != other for other in units)
    ]
    if not roots:
        raise Forbidden(
            "Trung tâm điều hành dành cho lãnh đạo tỉnh và lãnh đạo đơn vị.", code="ioc_forbidden"
        )
    return roots


def unit_for(user: User, code: str = "") -> AdminUnit:
    """The unit asked for, if the user leads it or a unit above it; their first unit when none is asked."""
    roots = root_units(user)
    if not code:
        return roots[0]
    unit = AdminUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị có mã “{code}”.", code="unit_not_found", value=code)
    # The units a leader follows are those under the units they lead, i.e. under one of their roots.
    if not any(unit.path.startswith(root.path) for root in roots):
        raise Forbidden("Anh/chị không theo dõi số liệu của đơn vị này.", code="ioc_unit_forbidden")
    return unit


def period_or_current(key: str, now: datetime) -> Period:
    return periods.parse(key) if key else periods.of(now)


# ---- counters ---------------------------------------------------------------------------------------


def state() -> ConsumerState | None:
    from tinhso.ioc.services import STATE_NAME

    return ConsumerState.objects.filter(name=STATE_NAME).first()


def data_as_of() -> datetime | None:
    current = state()
    return current.updated_at if current else None


def _counters(unit: AdminUnit, period: str, sector: str = "") -> QuerySet[Counter]:
    counters = Counter.objects.filter(core_selectors.under_path(unit.path, "unit__path"), period=period)
    return counters.filter(sector=sector) if sector else counters


def counter_sums(*, unit: AdminUnit, period: str, sector: str = "") -> dict[str, int]:
    rows = _counters(unit, period, sector).values("metric").annotate(total=Sum("value"))
    return {row["metric"]: row["total"] for row in rows}


def _procedures(unit: AdminUnit, sector: str = "") -> QuerySet[Procedure]:
    """Current procedures decided under the unit: its agencies' own, and the commune-level ones when the
    unit holds communes' people's committees."""
    procedures = Procedure.objects.filter(is_current=True)
    condition = Q(level=Procedure.Level.PROVINCE) & core_selectors.under_path(unit.path, "authority__path")
    if _holds_committees(unit):
        condition |= Q(level=Procedure.Level.COMMUNE)
    procedures = procedures.filter(condition)
    return procedures.filter(sector=sector) if sector else procedures


def _complete_parts() -> Q:
    steps = ProcessStep.objects.filter(procedure=OuterRef("pk"))
    documents = RequiredDocument.objects.filter(procedure=OuterRef("pk"))
    return (
        ~Q(name="")
        & ~Q(authority_name="")
        & ~Q(online_level="")
        & (Q(processing_days__gt=0) | Q(processing_hours__gt=0))
        & Q(Exists(steps))
        & Q(Exists(documents))
    )


CATALOG_CONDITIONS = {
    "1.2": lambda: Q(code_is_national=True),
    "1.3": _complete_parts,
    "3.1": lambda: Q(online_level__in=[Procedure.OnlineLevel.FULL, Procedure.OnlineLevel.PARTIAL]),
    "5.6": lambda: Q(
        Exists(
            RequiredDocument.objects.filter(
                procedure=OuterRef("pk"), reusable_from=RequiredDocument.Source.POPULATION_REGISTRY
            )
        )
    ),
}


@dataclass(frozen=True)
class CatalogRow:
    """Current procedures of one level and authority that meet the same catalog indicators."""

    level: str
    authority_path: str
    meets: frozenset[str]
    procedures: int = 1


def catalog_rows(sector: str = "") -> list[CatalogRow]:
    """Current procedures grouped by level, authority and the catalog indicators they meet: one query."""
    procedures = Procedure.objects.filter(is_current=True)
    if sector:
        procedures = procedures.filter(sector=sector)
    flags = {
        f"meets_{index}": ExpressionWrapper(condition(), output_field=BooleanField())
        for index, condition in enumerate(CATALOG_CONDITIONS.values())
    }
    groups: dict[tuple[str, str, frozenset[str]], int] = {}
    for row in procedures.annotate(**flags).values("level", "authority__path", *flags):
        meets = frozenset(code for index, code in enumerate(CATALOG_CONDITIONS) if row[f"meets_{index}"])
        key = (row["level"], row["authority__path"] or "", meets)
        groups[key] = groups.get(key, 0) + 1
    return [CatalogRow(level, path, meets, count) for (level, path, meets), count in groups.items()]


def _holds_committees(unit: AdminUnit) -> bool:
    return unit.kind in (AdminUnit.Kind.PROVINCE, AdminUnit.Kind.COMMUNE) or unit.category == "UBND"


def catalog_counts(
    *, unit: AdminUnit, sector: str = "", rows: list[CatalogRow] | None = None
) -> dict[str, tuple[int, int]]:
    """(procedures meeting, procedures) per catalog indicator, over the procedures decided under the unit."""
    rows = catalog_rows(sector) if rows is None else rows
    committees = _holds_committees(unit)
    mine = [
        row
        for row in rows
        if (row.level == Procedure.Level.COMMUNE and committees)
        or (row.level == Procedure.Level.PROVINCE and row.authority_path.startswith(unit.path))
    ]
    total = sum(row.procedures for row in mine)
    return {
        code: (sum(row.procedures for row in mine if code in row.meets), total) for code in CATALOG_CONDITIONS
    }


# ---- the index --------------------------------------------------------------------------------------


@dataclass
class Group:
    code: str
    name: str
    points: float
    score: float = 0.0
    computable_points: float = 0.0
    values: list = field(default_factory=list)


@dataclass
class Scorecard:
    unit: AdminUnit
    period: Period
    sector: str
    groups: list[Group]
    extra: list[rules.Value]
    data_as_of: datetime | None

    @property
    def score(self) -> float:
        return round(sum(group.score for group in self.groups), 2)

    @property
    def computable_points(self) -> float:
        return sum(group.computable_points for group in self.groups)

    def value(self, code: str) -> rules.Value:
        for value in [v for group in self.groups for v in group.values] + self.extra:
            if value.indicator.code == code:
                return value
        raise KeyError(code)


def _scorecard(unit: AdminUnit, period: Period, sector: str) -> Scorecard:
    sums = counter_sums(unit=unit, period=period.key, sector=sector)
    catalog = catalog_counts(unit=unit, sector=sector)
    groups = []
    for code, name, points in rules.GROUPS:
        group = Group(code=code, name=str(name), points=points)
        for indicator in rules.INDICATORS:
            if indicator.group != code:
                continue
            value = rules.evaluate(indicator, sums, catalog)
            group.values.append(value)
            if value.computable:
                group.score += value.points
                group.computable_points += indicator.points
        group.score = round(group.score, 2)
        groups.append(group)
    # Field reports have no sector: their KPIs ignore the sector filter.
    report_sums = counter_sums(unit=unit, period=period.key) if sector else sums
    extra = [rules.evaluate(i, report_sums if i.group == "PAHT" else sums, catalog) for i in rules.EXTRA]
    return Scorecard(
        unit=unit, period=period, sector=sector, groups=groups, extra=extra, data_as_of=data_as_of()
    )


def scorecard(*, actor: User, unit_code: str = "", period: Period, sector: str = "") -> Scorecard:
    """Every indicator of the service index and the field-report KPIs for a unit and a period."""
    return _scorecard(unit_for(actor, unit_code), period, sector)


@dataclass
class RankRow:
    unit: AdminUnit
    score: float
    on_time: rules.Value
    online: rules.Value
    reports_on_time: rules.Value
    received: int


def child_units(unit: AdminUnit, kind: str) -> list[AdminUnit]:
    """The units ranked under `unit`: its agencies or its communes (or the committees of a commune)."""
    children = AdminUnit.objects.filter(parent=unit)
    if kind == "communes":
        children = children.filter(kind=AdminUnit.Kind.COMMUNE)
    else:
        children = children.exclude(kind=AdminUnit.Kind.COMMUNE)
    return list(children.order_by("name"))


def ranking(
    *, actor: User, unit_code: str = "", period: Period, sector: str = "", kind: str = "agencies"
) -> list[RankRow]:
    """The units under the unit, best score first; one grouped counter query for all of them."""
    if kind not in ("agencies", "communes"):
        raise InvalidInput(
            "Xếp hạng theo “agencies” (cơ quan) hoặc “communes” (xã, phường).",
            errors={"kind": ["Giá trị không hợp lệ."]},
        )
    parent = unit_for(actor, unit_code)
    children = child_units(parent, kind)
    by_path = {child.path: child for child in children}
    sums: dict[int, dict[str, int]] = {child.pk: {} for child in children}
    rows = _counters(parent, period.key, sector).values("unit__path", "metric").annotate(total=Sum("value"))
    depth = parent.path.count(PATH_SEPARATOR) + 1
    for row in rows:
        prefix = PATH_SEPARATOR.join(row["unit__path"].split(PATH_SEPARATOR)[:depth]) + PATH_SEPARATOR
        child = by_path.get(prefix)
        if child is not None:
            bucket = sums[child.pk]
            bucket[row["metric"]] = bucket.get(row["metric"], 0) + row["total"]
    result = []
    procedures = catalog_rows(sector)
    for child in children:
        child_sums = sums[child.pk]
        catalog = catalog_counts(unit=child, sector=sector, rows=procedures)
        values = {i.code: rules.evaluate(i, child_sums, catalog) for i in rules.INDICATORS + rules.EXTRA}
        total = round(sum(v.points for v in values.values() if v.computable and v.points is not None), 2)
        result.append(
            RankRow(
                unit=child,
                score=total,
                on_time=values["2.1"],
                online=values["3.2"],
                reports_on_time=values["PA.3"],
                received=child_sums.get("received", 0),
            )
        )
    result.sort(key=lambda row: (-row.score, -(row.on_time.rate or 0), row.unit.name))
    return result


def trend(
    *, actor: User, unit_code: str = "", period: Period, sector: str = "", months: int = 12
) -> list[dict]:
    """Month by month up to the period's last month: on-time and online rates, records received."""
    unit = unit_for(actor, unit_code)
    keys = [month.key for month in period.previous_months(months)]
    shown = {"received", "fr_received"} | {
        metric
        for code in ("2.1", "3.2")
        for metric in rules.BY_CODE[code].numerator + rules.BY_CODE[code].denominator
    }
    counters = Counter.objects.filter(
        core_selectors.under_path(unit.path, "unit__path"), period__in=keys, metric__in=shown
    )
    if sector:
        counters = counters.filter(Q(sector=sector) | Q(metric__startswith="fr_"))
    sums: dict[str, dict[str, int]] = {key: {} for key in keys}
    for row in counters.values("period", "metric").annotate(total=Sum("value")):
        sums[row["period"]][row["metric"]] = row["total"]
    points = []
    for month in period.previous_months(months):
        month_sums = sums[month.key]
        points.append(
            {
                "period": month.key,
                "label": f"{month.first_month:02d}/{month.year}",
                "on_time_rate": rules.evaluate(rules.BY_CODE["2.1"], month_sums, {}).rate,
                "online_rate": rules.evaluate(rules.BY_CODE["3.2"], month_sums, {}).rate,
                "received": month_sums.get("received", 0),
                "reports_received": month_sums.get("fr_received", 0),
            }
        )
    return points


def commune_map(
    *, actor: User, unit_code: str = "", period: Period, sector: str = "", indicator: str = "2.1"
) -> dict:
    """Communes at their own centre coordinates, with the indicator's rate; open field reports as points."""
    definition = rules.ALL.get(indicator)
    if definition is None or not definition.denominator:
        message = "Bản đồ tô màu theo chỉ số có tỷ lệ (ví dụ 2.1, 3.2, PA.3)."
        raise InvalidInput(message, errors={"indicator": [message]})
    unit = unit_for(actor, unit_code)
    communes = list(
        AdminUnit.objects.filter(core_selectors.under_path(unit.path), kind=AdminUnit.Kind.COMMUNE)
        .exclude(latitude=None)
        .order_by("name")
    )
    if not communes and unit.kind != AdminUnit.Kind.PROVINCE:
        communes = [u for u in AdminUnit.objects.filter(pk=unit.parent_id, kind=AdminUnit.Kind.COMMUNE)]
    keyed: dict[str, dict[str, int]] = {commune.path: {} for commune in communes}
    counters = Counter.objects.none()
    if communes:
        # One prefix for the unit's own communes (grouped by commune below), not one per commune.
        within = [unit] if all(c.path.startswith(unit.path) for c in communes) else communes
        condition = Q()
        for root in within:
            condition |= core_selectors.under_path(root.path, "unit__path")
        metrics = definition.numerator + definition.denominator
        counters = Counter.objects.filter(condition, period=period.key, metric__in=metrics)
        if sector and definition.group != "PAHT":
            counters = counters.filter(sector=sector)
    for row in counters.values("unit__path", "metric").annotate(total=Sum("value")):
        prefix = PATH_SEPARATOR.join(row["unit__path"].split(PATH_SEPARATOR)[:2]) + PATH_SEPARATOR
        if prefix in keyed:
            keyed[prefix][row["metric"]] = keyed[prefix].get(row["metric"], 0) + row["total"]
    areas = []
    for commune in communes:
        value = rules.evaluate(definition, keyed[commune.path], {})
        areas.append(
            {
                "code": commune.code,
                "name": commune.name,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "rate": value.rate,
                "numerator": value.numerator,
                "denominator": value.denominator,
            }
        )
    reports = ReportFact.objects.filter(closed_at__isnull=True).filter(
        core_selectors.under_path(unit.path, "unit__path")
        | core_selectors.under_path(unit.path, "commune__path")
    )
    points = [
        {"code": code, "latitude": lat, "longitude": lon, "category": category, "overdue": due < period.end}
        for code, lat, lon, category, due in reports.values_list(
            "tracking_code", "latitude", "longitude", "category", "due_at"
        )[:2000]
    ]
    return {"indicator": definition.code, "name": str(definition.name), "communes": areas, "reports": points}


# ---- drill-down: the records behind a number -------------------------------------------------------


@dataclass
class RecordRow:
    code: str
    title: str
    unit: str
    start: datetime
    deadline: datetime | None
    end: datetime | None
    verdict: str
    url: str


def _in(period: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end})


def _dossier_rows(indicator: str, facts: QuerySet[DossierFact], period: Period) -> list[RecordRow]:
    names = dict(
        Procedure.objects.filter(code__in={f.procedure_code for f in facts}, is_current=True).values_list(
            "code", "name"
        )
    )
    rows = []
    for fact in facts:
        if indicator in ("2.1", "6.3"):
            ended = fact.ended_at is not None and period.contains(fact.ended_at)
            judged_at = fact.ended_at if ended else period.end
            on_time = rules.on_time_at(fact, judged_at)
            verdicts = {
                (True, True): _("Đúng hạn (kết thúc)"),
                (True, False): _("Quá hạn (kết thúc)"),
                (False, True): _("Đúng hạn (còn mở cuối kỳ)"),
                (False, False): _("Quá hạn (còn mở cuối kỳ)"),
            }
            verdict = verdicts[(ended, on_time)]
        elif indicator in ("3.2", "3.3"):
            verdict = _("Trực tuyến") if fact.channel == Channel.ONLINE else _("Trực tiếp hoặc bưu chính")
        elif indicator == "HL":
            verdict = str(Rating(fact.rating).label) if fact.rating else ""
        else:
            verdict = (
                _("Có kết quả điện tử; nộp trực tuyến")
                if fact.channel == Channel.ONLINE
                else _("Có kết quả điện tử")
            )
        rows.append(
            RecordRow(
                code=fact.code,
                title=names.get(fact.procedure_code, fact.procedure_code),
                unit=fact.unit.name,
                start=fact.submitted_at,
                deadline=fact.deadline,
                end=fact.ended_at,
                verdict=verdict,
                url=reverse("dossiers:detail", args=[fact.code]),
            )
        )
    return rows


def _report_rows(facts: QuerySet[ReportFact], period: Period) -> list[RecordRow]:
    from tinhso.fieldreports.models import Category

    names = dict(Category.objects.filter(code__in={f.category for f in facts}).values_list("code", "name"))
    rows = []
    for fact in facts:
        if fact.published_at is not None:
            on_time = fact.resolved_at is not None and fact.resolved_at <= fact.due_at
            verdict = _("Xử lý đúng hạn") if on_time else _("Xử lý quá hạn")
        elif fact.closed_at is None:
            verdict = _("Đang xử lý, quá hạn") if fact.due_at < period.end else _("Đang xử lý, trong hạn")
        else:
            verdict = _("Đã đóng")
        if fact.satisfied is not None:
            verdict += _("; hài lòng") if fact.satisfied else _("; không hài lòng")
        rows.append(
            RecordRow(
                code=fact.tracking_code,
                title=names.get(fact.category, fact.category),
                unit=fact.unit.name,
                start=fact.submitted_at,
                deadline=fact.due_at,
                end=fact.published_at or fact.closed_at,
                verdict=verdict,
                url=reverse("fieldreports:staff-detail", args=[fact.tracking_code]),
            )
        )
    return rows


def _procedure_rows(indicator: str, unit: AdminUnit, sector: str) -> list[RecordRow]:
    procedures = _procedures(unit, sector)
    meeting = set(procedures.filter(CATALOG_CONDITIONS[indicator]()).values_list("pk", flat=True))
    return [
        RecordRow(
            code=procedure.code,
            title=procedure.name,
            unit=procedure.authority_name,
            start=procedure.published_at,
            deadline=None,
            end=None,
            verdict=_("Đạt") if procedure.pk in meeting else _("Chưa đạt"),
            url=reverse("catalog:procedure-detail", args=[procedure.code]),
        )
        for procedure in procedures.order_by("sector", "name")
    ]


def _dossier_facts(indicator: str, unit: AdminUnit, period: Period, sector: str) -> QuerySet[DossierFact]:
    facts = DossierFact.objects.filter(core_selectors.under_path(unit.path, "unit__path")).select_related(
        "unit"
    )
    if sector:
        facts = facts.filter(sector=sector)
    # Every record behind a number was submitted before the period's end: lets the newest-first page walk
    # the submission index backwards from there.
    facts = facts.filter(submitted_at__lt=period.end)
    if indicator in ("2.1", "6.3"):
        current = state()
        horizon = current.horizon if current else ""
        open_at_end = Q(accepted_at__lt=period.end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.end))
        if not horizon or period.start > periods.parse(horizon).start:
            open_at_end = Q(pk__in=[])
        condition = _in(period, "ended_at") | open_at_end
        if indicator == "6.3":
            condition |= _in(period, "rated_at")
        return facts.filter(condition)
    if indicator in ("3.2", "3.3"):
        facts = facts.filter(_in(period, "submitted_at"))
        return facts.filter(full_online=True) if indicator == "3.3" else facts
    if indicator == "HL":
        return facts.filter(_in(period, "rated_at"))
    return facts.filter(_in(period, "finished_at"))


def _report_facts(indicator: str, unit: AdminUnit, period: Period) -> QuerySet[ReportFact]:
    facts = ReportFact.objects.filter(core_selectors.under_path(unit.path, "unit__path")).select_related(
        "unit"
    )
    if indicator == "PA.1":
        return facts.filter(_in(period, "submitted_at"))
    if indicator in ("PA.2", "PA.3"):
        return facts.filter(_in(period, "published_at"))
    if indicator == "PA.5":
        return facts.filter(_in(period, "rated_at"))
    open_overdue = Q(submitted_at__lt=period.end, due_at__lt=period.end) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.end)
    )
    handled_late = _in(period, "published_at") & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("due_at"))
    )
    return facts.filter(open_overdue | handled_late)


@dataclass
class Drill:
    indicator: rules.Indicator
    unit: AdminUnit
    period: Period
    sector: str
    rows: list[RecordRow]
    total: int
    value: rules.Value | None


def records(
    *,
    actor: User,
    indicator: str,
    unit_code: str = "",
    period: Period,
    sector: str = "",
    limit: int | None = PAGE_SIZE,
) -> Drill:
    """The dossiers, reports or procedures behind an indicator's number, with how each one counted."""
    definition = rules.ALL.get(indicator)
    if definition is None or definition.source == "none":
        raise NotFound(f"Chỉ số “{indicator}” không có danh sách hồ sơ.", code="indicator_not_found")
    unit = unit_for(actor, unit_code)
    card = _scorecard(unit, period, sector)
    if definition.drill == "procedures":
        rows = _procedure_rows(indicator, unit, sector)
        total = len(rows)
    elif definition.drill == "reports":
        facts = _report_facts(indicator, unit, period).order_by("-submitted_at", "-pk")
        total = _total(definition, card.value(indicator), facts)
        rows = _report_rows(facts[:limit] if limit else facts, period)
    else:
        facts = _dossier_facts(indicator, unit, period, sector).order_by("-submitted_at", "-pk")
        total = _total(definition, card.value(indicator), facts)
        rows = _dossier_rows(indicator, facts[:limit] if limit else facts, period)
    rows = rows[:limit] if limit else rows
    return Drill(definition, unit, period, sector, rows, total, card.value(indicator))


def _total(definition: rules.Indicator, value: rules.Value, facts: QuerySet) -> int:
    """How many records lie behind the number. Each adds one to the indicator's denominator (or its only
    numerator metric), so the counters already hold it; counting the facts instead would read them all."""
    if definition.denominator:
        return int(value.denominator or 0)
    if len(definition.numerator) == 1:
        return int(value.numerator or 0)
    return facts.count()


def alerts_for(*, actor: User, limit: int = 20) -> list[Alert]:
    """Open breaches in the units the user follows."""
    units = core_selectors.units_where(actor, *IOC_ROLES).values("pk")
    return list(
        Alert.objects.filter(unit__in=units, cleared_at__isnull=True).select_related("rule", "unit")[:limit]
    )


def sectors() -> list[str]:
    return list(
        Procedure.objects.filter(is_current=True)
        .order_by("sector")
        .values_list("sector", flat=True)
        .distinct()
    )
