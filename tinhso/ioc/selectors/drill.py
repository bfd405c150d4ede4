"""Drill-down: the records behind a number, with how each one counted."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    F,
    Q,
    QuerySet,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.catalog.models import Procedure
from tinhso.core import selectors as core_selectors
from tinhso.core.display import url_of
from tinhso.core.errors import NotFound
from tinhso.core.models import AdminUnit, User
from tinhso.dossiers.models import Channel, Rating, Status
from tinhso.ioc import periods, rules
from tinhso.ioc.models import (
    ConsumerState,
    DossierFact,
    ReportFact,
)
from tinhso.ioc.periods import Period
from tinhso.ioc.selectors.catalog import CATALOG_CONDITIONS, OVER_THEIR_OWN, _procedures
from tinhso.ioc.selectors.kpis import indicator_value
from tinhso.ioc.selectors.scope import _NOT_READ, state, unit_for

PAGE_SIZE = 50  # rows of a drill-down page; the CSV and Excel exports hold them all


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


# What the drill-down lists read of each fact, as named tuples: model instances (and their units) cost
# several times as much to build, which a full export of some 10,000 records pays for each one.
_DOSSIER_FIELDS = (
    "code",
    "procedure_code",
    "unit__name",
    "submitted_at",
    "accepted_at",
    "deadline",
    "ended_at",
    "supplements",
    "channel",
    "rating",
    "paid_online_at",
)


_REPORT_FIELDS = (
    "tracking_code",
    "category",
    "unit__name",
    "submitted_at",
    "due_at",
    "resolved_at",
    "published_at",
    "closed_at",
    "satisfied",
)


def _dossier_verdict(indicator: str, period: Period, as_of: datetime | None) -> Callable[[Any], str]:
    """How a dossier counted in the indicator, for a row of the list, as the counters judged it as of
    `as_of` (rules.open_judged_at); the texts translated once a list."""
    start, end = period.start, period.end
    judged_at = rules.open_judged_at(end, as_of)
    if indicator in ("2.1", "6.3"):
        verdicts = {
            (True, True): _("Đúng hạn (kết thúc)"),
            (True, False): _("Quá hạn (kết thúc)"),
            (False, True): _("Đúng hạn (còn mở cuối kỳ)"),
            (False, False): _("Quá hạn (còn mở cuối kỳ)"),
        }

        def judged(fact: Any) -> str:
            ended = fact.ended_at is not None and start <= fact.ended_at < end
            return verdicts[(ended, rules.on_time_at(fact, fact.ended_at if ended else judged_at))]

        return judged
    if indicator in ("3.2", "3.3"):
        online, other = _("Trực tuyến"), _("Trực tiếp hoặc bưu chính")
        return lambda fact: online if fact.channel == Channel.ONLINE else other
    if indicator == "HL":
        labels = {rating.value: str(rating.label) for rating in Rating}
        return lambda fact: labels[fact.rating] if fact.rating else ""
    if indicator in ("4.2", "4.3"):
        paid, unpaid = _("Đã thanh toán trực tuyến"), _("Chưa thanh toán trực tuyến")
        return lambda fact: paid if fact.paid_online_at and start <= fact.paid_online_at < end else unpaid
    online, other = _("Có kết quả điện tử; nộp trực tuyến"), _("Có kết quả điện tử")
    return lambda fact: online if fact.channel == Channel.ONLINE else other


def _dossier_rows(
    indicator: str, facts: QuerySet[DossierFact], period: Period, as_of: datetime | None
) -> list[RecordRow]:
    found = list(facts.values_list(*_DOSSIER_FIELDS, named=True))
    codes = {fact.procedure_code for fact in found}
    names = dict(Procedure.objects.filter(code__in=codes, is_current=True).values_list("code", "name"))
    url = url_of("dossiers:detail")
    verdict = _dossier_verdict(indicator, period, as_of)
    return [
        RecordRow(
            code=fact.code,
            title=names.get(fact.procedure_code, fact.procedure_code),
            unit=fact.unit__name,
            start=fact.submitted_at,
            deadline=fact.deadline,
            end=fact.ended_at,
            verdict=verdict(fact),
            url=url(fact.code),
        )
        for fact in found
    ]


def _report_verdict(period: Period, as_of: datetime | None) -> Callable[[Any], str]:
    """How a field report counted, for a row of the list, judged as the counters were as of `as_of`; the
    texts translated once a list."""
    end = rules.open_judged_at(period.end, as_of)
    on_time, late = _("Xử lý đúng hạn"), _("Xử lý quá hạn")
    open_late, open_in_time, closed = _("Đang xử lý, quá hạn"), _("Đang xử lý, trong hạn"), _("Đã đóng")
    satisfied, unsatisfied = _("; hài lòng"), _("; không hài lòng")

    def verdict(fact: Any) -> str:
        if fact.published_at is not None:
            text = on_time if fact.resolved_at is not None and fact.resolved_at <= fact.due_at else late
        elif fact.closed_at is None:
            text = open_late if fact.due_at < end else open_in_time
        else:
            text = closed
        if fact.satisfied is not None:
            text += satisfied if fact.satisfied else unsatisfied
        return text

    return verdict


def _report_rows(facts: QuerySet[ReportFact], period: Period, as_of: datetime | None) -> list[RecordRow]:
    from tinhso.fieldreports.models import Category

    found = list(facts.values_list(*_REPORT_FIELDS, named=True))
    names = {c.code: c.display_name for c in Category.objects.filter(code__in={f.category for f in found})}
    url = url_of("fieldreports:staff-detail")
    verdict = _report_verdict(period, as_of)
    return [
        RecordRow(
            code=fact.tracking_code,
            title=names.get(fact.category, fact.category),
            unit=fact.unit__name,
            start=fact.submitted_at,
            deadline=fact.due_at,
            end=fact.published_at or fact.closed_at,
            verdict=verdict(fact),
            url=url(fact.tracking_code),
        )
        for fact in found
    ]


def _procedure_rows(indicator: str, unit: AdminUnit, sector: str) -> list[RecordRow]:
    procedures = _procedures(unit, sector)
    meeting = set(procedures.filter(CATALOG_CONDITIONS[indicator]()).values_list("pk", flat=True))
    if indicator in OVER_THEIR_OWN:
        procedures = procedures.filter(pk__in=meeting)
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


def _dossier_facts(
    indicator: str, unit: AdminUnit, period: Period, sector: str, horizon: str
) -> QuerySet[DossierFact]:
    facts = DossierFact.objects.filter(core_selectors.under_path(unit.path, "unit__path"))
    if sector:
        facts = facts.filter(sector=sector)
    # Every record behind a number was submitted before the period's end: lets the newest-first page walk
    # the submission index backwards from there.
    facts = facts.filter(submitted_at__lt=period.end)
    if indicator in ("2.1", "6.3"):
        open_at_end = Q(accepted_at__lt=period.end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=period.end))
        if not horizon or period.start > periods.parse(horizon).start:
            open_at_end = Q(pk__in=[])
        # A dossier the applicant withdrew is not among those resolved (rules.counts_as_resolved).
        resolved = _in(period, "ended_at") & ~Q(status=Status.WITHDRAWN)
        condition = resolved | open_at_end
        if indicator == "6.3":
            condition |= _in(period, "rated_at")
        return facts.filter(condition)
    if indicator in ("3.2", "3.3"):
        facts = facts.filter(_in(period, "submitted_at"))
        return facts.filter(full_online=True) if indicator == "3.3" else facts
    if indicator == "HL":
        return facts.filter(_in(period, "rated_at"))
    if indicator == "4.2":
        return facts.filter(_in(period, "paid_online_at"))
    if indicator == "4.3":
        return facts.filter(_in(period, "fee_owed_at") | _in(period, "paid_online_at"))
    return facts.filter(_in(period, "finished_at"))


def _report_facts(
    indicator: str, unit: AdminUnit, period: Period, as_of: datetime | None
) -> QuerySet[ReportFact]:
    facts = ReportFact.objects.filter(core_selectors.under_path(unit.path, "unit__path"))
    if indicator == "PA.1":
        return facts.filter(_in(period, "submitted_at"))
    if indicator in ("PA.2", "PA.3"):
        return facts.filter(_in(period, "published_at"))
    if indicator == "PA.5":
        return facts.filter(_in(period, "rated_at"))
    judged_at = rules.open_judged_at(period.end, as_of)
    open_overdue = Q(submitted_at__lt=period.end, due_at__lt=judged_at) & (
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
    value: rules.Value


def records(
    *,
    actor: User,
    indicator: str,
    unit_code: str = "",
    period: Period,
    sector: str = "",
    limit: int | None = PAGE_SIZE,
    roots: list[AdminUnit] | None = None,
    rollups: object = _NOT_READ,
) -> Drill:
    """The dossiers, reports or procedures behind an indicator's number, with how each one counted, as the
    counters judged them: at the `rollups`' state (read when not given): the latest month open records
    reach and the instant they were judged at."""
    definition = rules.ALL.get(indicator)
    if definition is None or definition.source == "none":
        raise NotFound(
            gettext_lazy("Chỉ số “%(indicator)s” không có danh sách hồ sơ."),
            code="indicator_not_found",
            params={"indicator": indicator},
        )
    unit = unit_for(actor, unit_code, roots=roots)
    current = state() if rollups is _NOT_READ else rollups
    horizon = current.horizon if isinstance(current, ConsumerState) else ""
    as_of = current.updated_at if isinstance(current, ConsumerState) else None
    value = indicator_value(unit=unit, period=period, sector=sector, indicator=definition)
    if definition.drill == "procedures":
        rows = _procedure_rows(indicator, unit, sector)
        total = len(rows)
    elif definition.drill == "reports":
        reports = _report_facts(indicator, unit, period, as_of).order_by("-submitted_at", "-pk")
        total = _total(definition, value, reports)
        rows = _report_rows(reports[:limit] if limit else reports, period, as_of)
    else:
        facts = _dossier_facts(indicator, unit, period, sector, horizon).order_by("-submitted_at", "-pk")
        total = _total(definition, value, facts)
        rows = _dossier_rows(indicator, facts[:limit] if limit else facts, period, as_of)
    rows = rows[:limit] if limit else rows
    return Drill(definition, unit, period, sector, rows, total, value)


def _total(definition: rules.Indicator, value: rules.Value, facts: QuerySet[Any]) -> int:
    """How many records lie behind the number. Each adds one to the indicator's denominator (or its only
    numerator metric), so the counters already hold it; counting the facts instead would read them all."""
    if definition.denominator:
        return int(value.denominator or 0)
    if len(definition.numerator) == 1:
        return int(value.numerator or 0)
    return facts.count()
