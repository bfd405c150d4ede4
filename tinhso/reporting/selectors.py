"""Reads of the reporting app, with the caller's scope applied: who a unit reports to, whether entry is
locked and why, the checks a report must pass, computed value kinds, cross-checks, completeness."""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import caching, permissions
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.core.lifecycle import Party, Transition
from tinhso.core.models import AdminUnit, Domain, Role, User
from tinhso.reporting import deadlines, lifecycle, periods, sdmx, sql, validation
from tinhso.reporting.models import (
    Aggregate,
    Derivation,
    Explanation,
    FoldMark,
    FormRow,
    IndicatorVersion,
    KeptTotals,
    LockException,
    Regime,
    Status,
    Submission,
    ValidationRule,
    ValueBlock,
)

REPORTERS = (Role.REPORTING_OFFICER,)
# The roles of core.permissions.MATRIX, the one table of who may do what.
SUBMITTERS = tuple(sorted(permissions.roles_for(Domain.REPORTING, "submit")))
APPROVERS = tuple(sorted(permissions.roles_for(Domain.REPORTING, "approve")))

LOCK_REASONS = {
    "period_not_closed": _("Kỳ báo cáo chưa đến ngày chốt số liệu."),
    "deadline_passed": _("Đã quá thời hạn nhập số liệu của kỳ này."),
    "exception_expired": _("Thời gian được mở khóa nhập liệu đã hết."),
    "submitted": _("Báo cáo đã gửi, đang chờ cấp trên tiếp nhận."),
    "accepted": _("Báo cáo đã được cấp trên tiếp nhận."),
    "approved": _("Báo cáo đã được phê duyệt."),
}


def regime_by_code(code: str) -> Regime:
    regime = Regime.objects.filter(code=code).select_related("recipient").first()
    if regime is None:
        raise NotFound(
            _("Không tìm thấy chế độ báo cáo “%(code)s”."),
            params={"code": code},
            code="regime_not_found",
            value=code,
        )
    return regime


def period_of(regime: Regime, period_id: str) -> periods.Period:
    period = periods.parse(period_id, mode=regime.cutoff_mode or periods.DECREE_09)
    if regime.frequency and period.frequency != regime.frequency:
        raise InvalidInput.on(
            "period",
            _("Kỳ “%(period)s” không phải kỳ của chế độ báo cáo %(code)s (%(frequency)s)."),
            params={"period": period_id, "code": regime.code, "frequency": regime.get_frequency_display()},
            code="period_not_in_regime",
        )
    return period


def effective_unit(unit: AdminUnit) -> AdminUnit:
    """The unit a merged unit's figures belong to now: its successor's, followed to the end."""
    seen: set[int] = set()
    while unit.successor is not None and unit.pk not in seen:
        seen.add(unit.pk)
        unit = unit.successor
    return unit


def recipient_of(regime: Regime) -> AdminUnit:
    """The unit receiving the regime's reports (an active periodic regime always has one)."""
    if regime.recipient is None:
        raise Conflict(
            _("Chế độ báo cáo %(code)s chưa có cơ quan nhận báo cáo."),
            params={"code": regime.code},
            code="regime_incomplete",
        )
    return regime.recipient


def reporter_units(regime: Regime) -> list[AdminUnit]:
    return list(regime.reporters.order_by("path"))


def reports_to(regime: Regime, unit: AdminUnit, reporters: list[AdminUnit] | None = None) -> AdminUnit:
    """The nearest unit above `unit` that takes part in the regime (or its recipient); the top reports to itself."""
    if unit.pk == regime.recipient_id:
        return unit
    path = effective_unit(unit).path
    everyone = reporter_units(regime) if reporters is None else reporters
    candidates = [other for other in everyone if path.startswith(other.path) and other.path != path]
    candidates.append(recipient_of(regime))
    return max(candidates, key=lambda other: len(other.path))


def children(regime: Regime, unit: AdminUnit) -> list[AdminUnit]:
    """The units reporting to `unit` directly (merged units through their successor)."""
    everyone = list(regime.reporters.select_related("successor").order_by("path"))
    # Only units inside its subtree can report to a unit below the recipient: the others are not asked.
    inside = everyone if unit.pk == regime.recipient_id else [
        other for other in everyone if effective_unit(other).path.startswith(unit.path)
    ]  # fmt: skip
    return [
        other for other in inside if other.pk != unit.pk and reports_to(regime, other, everyone).pk == unit.pk
    ]


def holds(user: User, unit: AdminUnit, roles: tuple[str, ...]) -> bool:
    assignments = core_selectors.active_roles(user, domain=Domain.REPORTING)
    return holds_among([(assignment.role, assignment.unit.path) for assignment in assignments], unit, roles)


def holds_among(assignments: list[tuple[str, str]], unit: AdminUnit, roles: tuple[str, ...]) -> bool:
    """holds() over the user's active (role, unit path) pairs in reporting, already read."""
    return any(unit.path.startswith(path) for role, path in assignments if role in roles)


def may_enter(user: User, unit: AdminUnit) -> bool:
    return holds(user, unit, REPORTERS)


def is_party(user: User, submission: Submission, party: Party) -> bool:
    """Whether the user acts as `party` of the lifecycle on this report."""
    if party == lifecycle.UNIT:
        return holds(user, submission.unit, SUBMITTERS)
    return holds(user, reports_to(submission.regime, submission.unit), APPROVERS)


def require_entry(user: User, unit: AdminUnit) -> None:
    if not may_enter(user, unit):
        raise Forbidden(
            _("Bạn không được nhập số liệu cho %(unit)s."), params={"unit": unit.name}, code="not_a_reporter"
        )


def submission_of(regime: Regime, period_id: str, unit: AdminUnit) -> Submission | None:
    return Submission.objects.filter(regime=regime, period=period_id, unit=unit).first()


def visible_submission(user: User, *, regime_code: str, period_id: str, unit_code: str) -> Submission:
    regime = regime_by_code(regime_code)
    unit = core_selectors.unit_by_code(unit_code)
    submission = submission_of(regime, period_id, unit)
    above = reports_to(regime, unit)
    if not (holds(user, unit, SUBMITTERS + APPROVERS) or holds(user, above, APPROVERS)):
        raise NotFound(_("Không tìm thấy báo cáo."), code="submission_not_found")
    if submission is None:
        raise NotFound(_("Đơn vị chưa lập báo cáo kỳ này."), code="submission_not_found")
    return submission


def visible_report_place(
    user: User, *, regime_code: str, period_id: str, unit_code: str
) -> tuple[Regime, AdminUnit]:
    """A regime and unit whose values for the period the user may see (its own or the totals kept there)."""
    regime = regime_by_code(regime_code)
    unit = core_selectors.unit_by_code(unit_code)
    period_of(regime, period_id)
    if not (holds(user, unit, SUBMITTERS + APPROVERS) or holds(user, reports_to(regime, unit), APPROVERS)):
        raise NotFound(_("Không tìm thấy báo cáo."), code="submission_not_found")
    return regime, unit


def first_deadline(regime: Regime, period: periods.Period) -> datetime | None:
    rules = deadlines.rules_of(regime.deadline_rules)
    return deadlines.deadline(rules[0], period) if rules else None


def level_deadline(regime: Regime, period: periods.Period, unit: AdminUnit) -> datetime | None:
    rules = deadlines.rules_of(regime.deadline_rules)
    if not rules:
        return None
    level = 1 if unit.pk == regime.recipient_id and len(rules) > 1 else 0
    return deadlines.deadline(rules[level], period)


def entry_lock(
    regime: Regime, period: periods.Period, unit: AdminUnit, submission: Submission | None, now: datetime
) -> str | None:
    """Why values of this report cannot be typed now (a key of LOCK_REASONS), or None when they can."""
    status = submission.status if submission else Status.DRAFT
    if status in (Status.SUBMITTED, Status.ACCEPTED, Status.APPROVED):
        return str(status)
    if status == Status.RETURNED:
        return None  # sent back to be corrected, whatever the date
    if now < period.end:
        return "period_not_closed"
    due = level_deadline(regime, period, unit)
    if due is None or now <= due + timedelta(days=regime.expiry_days):
        return None
    exceptions = LockException.objects.filter(regime=regime, period=period.id, unit=unit)
    if not exceptions.exists():
        return "deadline_passed"
    return None if exceptions.filter(expires_at__gt=now).exists() else "exception_expired"


# A regime's forms change only while it is a draft: once in force, each process reads its rows once.
_FORM_ROWS = caching.Kept("reporting.form_rows", max_entries=256)


def form_rows(regime: Regime) -> list[FormRow]:
    def read() -> list[FormRow]:
        return list(
            FormRow.objects.filter(form__regime=regime)
            .select_related("indicator_version__indicator", "form")
            .order_by("form__code", "order")
        )

    return read() if regime.state == Regime.State.DRAFT else list(_FORM_ROWS.get(regime.pk, read))


def row_versions(regime: Regime) -> dict[str, IndicatorVersion]:
    return {row.indicator_version.indicator.code: row.indicator_version for row in form_rows(regime)}


class HeldCell(NamedTuple):
    """One value a report holds, as every reader of the values sees it (held_cells), whatever the storage."""

    block_id: int  # the block holding it: with the breakdown, the key its revisions name
    submission_id: int
    period: str  # the report's
    unit_code: str  # the report's
    indicator_version_id: int
    code: str  # the indicator's
    disaggregation: str
    kind: str
    value: Decimal | None
    comment: str
    obs_status: str
    public: bool
    revision: int
    changed_by_id: int | None
    batch_id: int | None  # the import that made it, whose row stands for its revision 1 until it changes
    changed_at: datetime

    @property
    def id(self) -> str:
        """The cell's stable name: lineage names its revisions by it (tinhso:value/<id>/r<n>)."""
        return cell_id(self.block_id, self.disaggregation)


def cell_id(block_id: int, disaggregation: str) -> str:
    return f"{block_id}.{disaggregation}" if disaggregation else str(block_id)


# The block's columns held_cells reads, in this order.
BLOCK_COLUMNS = ("id", "submission_id", "submission__period", "submission__unit__code", "indicator_version_id",
                 "indicator_version__indicator__code", "kind", "values", "cells", "obs_status", "public",
                 "changed_by_id", "batch_id", "changed_at")  # fmt: skip


def held_cells(*, submission: int | None = None, submissions: Collection[int] | None = None,
               regime: Regime | None = None, period: str | None = None, periods_in: Collection[str] | None = None,
               unit: AdminUnit | None = None, approved: bool = False, versions: Collection[int] | None = None,
               code: str | None = None, disaggregation: str | None = None, kind: str | None = None,
               public: bool | None = None, with_value: bool = False) -> list[HeldCell]:  # fmt: skip
    """The values reports hold, in one statement: the one reader of the values' storage (every other read of
    them goes through it). Reports by id (`submission`, `submissions`) or by `regime` with `period` or
    `periods_in`, `unit` and `approved` status; then cells by indicator `versions` or `code`, `disaggregation`,
    `kind`, `public`, and only those with a value (`with_value`). The blocks are read whole and their cells
    worked out here (a block's jsonb decodes faster than a row per cell would)."""
    where: dict[str, Any] = {}
    for name, wanted in (("submission_id", submission), ("submission_id__in", submissions),
                         ("submission__regime", regime), ("submission__period", period),
                         ("submission__period__in", periods_in), ("submission__unit", unit),
                         ("indicator_version_id__in", versions), ("indicator_version__indicator__code", code),
                         ("kind", kind), ("public", public)):  # fmt: skip
        if wanted is not None:
            where[name] = wanted
    if approved:
        where["submission__status"] = Status.APPROVED
    found = ValueBlock.objects.filter(**where).order_by("pk")
    cells: list[HeldCell] = []
    add, make, number, instant = cells.append, HeldCell, Decimal, datetime.fromisoformat
    for (
        key,
        report,
        period_id,
        unit_code,
        version,
        indicator,
        kind_,
        values,
        metas,
        obs,
        public_,
        author,
        batch,
        at,
    ) in found.values_list(*BLOCK_COLUMNS):
        if disaggregation is not None:
            names: Collection[str] = (
                [disaggregation]
                if disaggregation in values or (not with_value and disaggregation in metas)
                else []
            )
        else:
            names = values if with_value or not metas else values.keys() | metas.keys()
        for name in names:
            text, meta = values.get(name), metas.get(name)
            if meta is None:
                add(make(key, report, period_id, unit_code, version, indicator, name, kind_,
                         None if text is None else number(text), "", obs, public_, 1, author, batch, at))  # fmt: skip
                continue
            add(make(key, report, period_id, unit_code, version, indicator, name, kind_,
                     None if text is None else number(text), meta.get("c", ""), meta.get("s", obs), public_,
                     meta.get("r", 1), meta.get("u", author), meta.get("b", batch),
                     instant(meta["t"]) if "t" in meta else at))  # fmt: skip
    return cells


def typed_values(submission: Submission, kind: str = ValueBlock.Kind.PERIOD) -> validation.Values:
    return {
        (cell.code, cell.disaggregation): cell.value
        for cell in held_cells(submission=submission.pk, kind=kind, with_value=True)
        if cell.value is not None
    }


def values_for(regime: Regime, period_id: str, unit: AdminUnit) -> validation.Values:
    """A unit's values of a period: what it typed, or for a level above, its kept aggregate."""
    submission = submission_of(regime, period_id, unit)
    own = typed_values(submission) if submission else {}
    if own:
        return own
    return {
        (code, disaggregation): value
        for (code, _dot, disaggregation), value in (
            (key.partition("."), value) for key, value in kept_totals(regime, period_id, unit).items()
        )
    }


def kept_totals(regime: Regime, period_id: str, unit: AdminUnit) -> Mapping[str, Decimal]:
    """A level's totals of a period by cell key (DNMOI, DNMOI.nn), as of the last fold (kept_state says when),
    read-only: one row, decoded once per version of it by each process."""
    return sql.kept_totals(regime=regime.pk, period=period_id, unit=unit.pk)


@dataclass(frozen=True)
class KeptState:
    """What a level's kept totals of a period are as of."""

    computed_at: datetime | None  # the fold that last wrote them; None when the level keeps none yet
    pending: int  # reports under it approved or returned since, not yet brought in by the fold


def kept_state(regime: Regime, period_id: str, unit: AdminUnit) -> KeptState | None:
    """When the level's totals were last folded and how many reports under it wait for the fold; None for a
    unit that keeps no totals and has none waiting (a unit no report adds to)."""
    computed_at = (
        KeptTotals.objects.filter(regime=regime, period=period_id, unit=unit)
        .values_list("computed_at", flat=True)
        .first()
    )
    marked = Submission.objects.filter(
        regime=regime, period=period_id, pk__in=FoldMark.objects.values("submission_id")
    ).select_related("unit__successor")
    pending = sum(1 for report in marked if _adds_to(report.unit, unit))
    if computed_at is None and not pending:
        return None
    return KeptState(computed_at, pending)


def _adds_to(owner: AdminUnit, level: AdminUnit) -> bool:
    """Whether a report of `owner` counts in the totals of `level` (services.roll_up's levels above it)."""
    return owner.pk != level.pk and effective_unit(owner).path.startswith(level.path)


# ---- checks ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something a report must pass or explain: a broken rule, an outlier, a cross-check mismatch."""

    subject: str
    kind: str  # rule, outlier, crosscheck
    message: str
    blocking: bool  # a HIGH rule: explaining does not help
    explanation: str = ""


@dataclass(frozen=True)
class CrossCheck:
    code: str
    name: str
    typed: Decimal | None
    derived: Decimal | None
    status: str  # match, within_tolerance, mismatch, not_derivable
    derivation: Derivation | None


HISTORY = 24  # periods before a report whose values its outlier checks judge it by


class CheckInputs(NamedTuple):
    """What a report's rule and outlier checks read, at once: its typed period values, the unit's values of the
    HISTORY periods before it {(code, breakdown): {period id: value}}, the regime's rules by code and the
    report's explanations by subject."""

    values: validation.Values
    pasts: dict[tuple[str, str], dict[str, Decimal]]
    rules: list[validation.Rule]
    explained: dict[str, str]


def check_inputs(submission: Submission, period: periods.Period) -> CheckInputs:
    """One statement on PostgreSQL (sql.check_inputs), three reads elsewhere; the values of the report and of
    its history in the same read either way, not one read per value."""
    regime, wanted, before = submission.regime, [period.id], period
    for _step in range(HISTORY):
        before = before.previous()
        wanted.append(before.id)
    if connection.vendor == "postgresql":
        rules, explained, blocks = sql.check_inputs(regime=regime.pk, report=submission.pk, unit=submission.unit_id,
                                                    periods=wanted, kind=ValueBlock.Kind.PERIOD)  # fmt: skip
        cells = ((period_id, code, breakdown, value)
                 for period_id, code, numbers in blocks for breakdown, value in numbers.items())  # fmt: skip
        return _split(period.id, cells, [validation.Rule(*rule) for rule in rules], dict(explained))
    fields = validation.Rule._fields
    held = held_cells(regime=regime, unit=submission.unit, periods_in=wanted, kind=ValueBlock.Kind.PERIOD,
                      with_value=True)  # fmt: skip
    return _split(
        period.id,
        ((cell.period, cell.code, cell.disaggregation, cell.value) for cell in held),
        [validation.Rule(*rule) for rule in regime.rules.order_by("code").values_list(*fields)],
        explanations(submission),
    )


def explanations(submission: Submission) -> dict[str, str]:
    """The report's written explanations by subject (a rule, an outlier or a cross-check)."""
    return dict(Explanation.objects.filter(submission=submission).values_list("subject", "text"))


def _split(
    own: str,
    cells: Iterable[tuple[str, str, str, Decimal | None]],
    rules: list[validation.Rule],
    explained: dict[str, str],
) -> CheckInputs:
    values: validation.Values = {}
    pasts: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for period_id, code, breakdown, value in cells:
        if value is None:
            continue
        if period_id == own:
            values[(code, breakdown)] = value
        else:
            pasts[(code, breakdown)][period_id] = value
    return CheckInputs(values, pasts, rules, explained)


def crosschecks(submission: Submission) -> list[CrossCheck]:
    values = typed_values(submission)
    derivations = {
        derivation.indicator_version_id: derivation
        for derivation in Derivation.objects.filter(
            regime=submission.regime, period=submission.period, unit=submission.unit
        )
    }
    out = []
    for row in form_rows(submission.regime):
        version = row.indicator_version
        if not version.derivation:
            continue
        typed = values.get((version.indicator.code, ""))
        derivation = derivations.get(version.pk)
        derived = derivation.value if derivation else None
        out.append(
            CrossCheck(
                version.indicator.code,
                version.name,
                typed,
                derived,
                _compare(typed, derived, version.tolerance),
                derivation,
            )
        )
    return out


def _compare(typed: Decimal | None, derived: Decimal | None, tolerance: Decimal) -> str:
    if derived is None or typed is None:
        return "not_derivable" if derived is None else "mismatch"
    if typed == derived:
        return "match"
    if derived and abs(typed - derived) <= abs(derived) * tolerance:
        return "within_tolerance"
    return "mismatch"


def findings(
    submission: Submission, kinds: tuple[str, ...] = ("rule", "outlier", "crosscheck")
) -> list[Finding]:
    """What the report must pass or explain, of the `kinds` asked (rules and outliers from one read)."""
    period = period_of(submission.regime, submission.period)
    read = check_inputs(submission, period) if "rule" in kinds or "outlier" in kinds else None
    out = []
    if read is not None and "rule" in kinds:
        out += _broken_rules(read.rules, read.values)
    if read is not None and "outlier" in kinds:
        out += _outliers(submission.regime, period, read)
    if "crosscheck" in kinds:
        out += _mismatches(submission)
    if not out:
        return out  # nothing to explain
    explained = read.explained if read is not None else explanations(submission)
    return [replace(finding, explanation=explained.get(finding.subject, "")) for finding in out]


def _broken_rules(rules: list[validation.Rule], values: validation.Values) -> list[Finding]:
    out = []
    for rule in rules:
        violation = validation.check_rule(rule, values)
        if violation is None:
            continue
        shown = f"{rule.name}: {rule.left} {rule.operator} {rule.right}"
        if violation.left is not None:
            shown += f" ({violation.left:g} {rule.operator} {violation.right:g})"
        blocking = rule.importance == ValidationRule.Importance.HIGH
        out.append(Finding(f"rule:{rule.code}", "rule", shown, blocking))
    return out


def _outliers(regime: Regime, period: periods.Period, read: CheckInputs) -> list[Finding]:
    # A platform-derived row is checked against the platform's own count instead, a stronger test.
    derived_rows = {code for code, version in row_versions(regime).items() if version.derivation}
    year_before, out = period.year_before().id, []
    for (code, disaggregation), value in read.values.items():
        if code in derived_rows:
            continue
        past = read.pasts.get((code, disaggregation), {})
        if validation.is_outlier(value, list(past.values()), past.get(year_before)):
            subject = f"outlier:{code}{'.' + disaggregation if disaggregation else ''}"
            message = _("%(code)s: %(value)s khác thường so với các kỳ trước của đơn vị.") % {
                "code": code,
                "value": f"{value:g}",
            }
            out.append(Finding(subject, "outlier", message, False))
    return out


def _mismatches(submission: Submission) -> list[Finding]:
    out = []
    for check in crosschecks(submission):
        if check.status == "mismatch":
            message = _("%(name)s: đơn vị nhập %(typed)s, nền tảng ghi nhận %(derived)s.") % {
                "name": check.name,
                "typed": _shown(check.typed),
                "derived": _shown(check.derived),
            }
            out.append(Finding(f"crosscheck:{check.code}", "crosscheck", message, False))
    return out


def _shown(value: Decimal | None) -> str:
    return str(_("(trống)")) if value is None else f"{value:g}"


# ---- computed value kinds -------------------------------------------------------------------------------


def computed(
    regime: Regime, period_id: str, unit: AdminUnit
) -> dict[tuple[str, str], dict[str, Decimal | None]]:
    """Year-to-date and percentages of every row, computed from stored period values (never typed)."""
    period = period_of(regime, period_id)
    versions = row_versions(regime)
    current = values_for(regime, period_id, unit)
    previous = values_for(regime, period.previous().id, unit)
    year_before = values_for(regime, period.year_before().id, unit)
    months = [values_for(regime, month.id, unit) for month in _to_date(period)]
    months_last_year = [values_for(regime, month.id, unit) for month in _to_date(period.year_before())]
    submission = submission_of(regime, period_id, unit)
    plans = typed_values(submission, ValueBlock.Kind.PLAN) if submission else {}
    out = {}
    for key, value in current.items():
        version = versions.get(key[0])
        if version is None:
            continue
        ytd = _to_date_value(version.aggregation, [month.get(key) for month in months])
        ytd_last = _to_date_value(version.aggregation, [month.get(key) for month in months_last_year])
        out[key] = {
            "period": value,
            "ytd": ytd,
            "pct_prev": _percent(value, previous.get(key)),
            "pct_yoy": _percent(value, year_before.get(key)),
            "pct_ytd_yoy": _percent(ytd, ytd_last),
            "pct_plan": _percent(ytd, plans.get(key)),
        }
    return out


def _to_date(period: periods.Period) -> list[periods.Period]:
    if period.months == 1:
        return period.months_to_date()
    return [
        periods.Period(period.year, last, period.months, period.mode)
        for last in range(period.months, period.last_month + 1, period.months)
    ]


def _to_date_value(aggregation: str, values: list[Decimal | None]) -> Decimal | None:
    known = [value for value in values if value is not None]
    if not known or aggregation == IndicatorVersion.Aggregation.NONE:
        return None
    if aggregation == IndicatorVersion.Aggregation.LAST:
        return known[-1]
    if aggregation == IndicatorVersion.Aggregation.AVERAGE:
        return sum(known, Decimal(0)) / len(known)
    return sum(known, Decimal(0))


def _percent(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    if value is None or not base:
        return None
    return (value / base * 100).quantize(Decimal("0.01"))


# ---- what a person may do, what is late --------------------------------------------------------------------


def allowed_actions(user: User, submission: Submission) -> list[Transition]:
    return lifecycle.LIFECYCLE.offered(submission.status, lambda party: is_party(user, submission, party))


@dataclass(frozen=True)
class Completeness:
    unit: AdminUnit
    status: str
    submitted_at: datetime | None
    deadline: datetime | None
    on_time: bool
    days_late: int


def _completeness_of(
    regime: Regime, period: periods.Period, unit: AdminUnit, submission: Submission | None, now: datetime
) -> Completeness:
    due = level_deadline(regime, period, unit)
    sent = submission.submitted_at if submission and submission.status != Status.DRAFT else None
    on_time = sent is not None and (due is None or sent <= due)
    late_at = sent or now
    days_late = max(0, (late_at - due).days + (1 if late_at > due else 0)) if due and late_at > due else 0
    return Completeness(unit, submission.status if submission else "missing", sent, due, on_time, days_late)


def completeness(regime: Regime, period_id: str, *, now: datetime | None = None) -> list[Completeness]:
    """Expected, received and on-time reports of every reporting unit, computed from the submissions."""
    now = now or timezone.now()
    period = period_of(regime, period_id)
    found = {s.unit_id: s for s in Submission.objects.filter(regime=regime, period=period_id)}
    return [
        _completeness_of(regime, period, unit, found.get(unit.pk), now) for unit in reporter_units(regime)
    ]


@dataclass(frozen=True)
class TreeRow:
    """One unit of the reporting tree with its own report and the counts of the reports under it."""

    report: Completeness
    level: int  # 0: the regime's recipient; 1: the units reporting to it; ...
    expected: int  # reports due from the units under it
    received: int
    on_time: int
    late: int  # not sent although the deadline has passed


def completeness_tree(
    user: User, regime: Regime, period_id: str, *, now: datetime | None = None
) -> list[TreeRow]:
    """Who has sent the period's report and who is late, down the reporting tree from the recipient: only the
    units the user approves reports of (a department's leader sees the department, the province's leader all)."""
    now = now or timezone.now()
    period = period_of(regime, period_id)
    top = recipient_of(regime)
    reporters = list(regime.reporters.select_related("successor").order_by("path"))
    found = {s.unit_id: s for s in Submission.objects.filter(regime=regime, period=period_id)}
    below: dict[int, list[AdminUnit]] = {}
    for unit in reporters:
        if unit.pk != top.pk:
            below.setdefault(reports_to(regime, unit, reporters).pk, []).append(unit)
    rows: list[TreeRow] = []

    def walk(unit: AdminUnit, level: int) -> list[Completeness]:
        """Adds the unit's row, then its subtree's; returns the reports of every unit under it."""
        at = len(rows)
        rows.append(
            TreeRow(_completeness_of(regime, period, unit, found.get(unit.pk), now), level, 0, 0, 0, 0)
        )
        under: list[Completeness] = []
        for child in below.get(unit.pk, []):
            first = len(rows)
            under.extend(walk(child, level + 1))
            under.append(rows[first].report)
        rows[at] = replace(
            rows[at],
            expected=len(under),
            received=sum(1 for report in under if report.submitted_at),
            on_time=sum(1 for report in under if report.on_time),
            late=sum(1 for report in under if report.submitted_at is None and report.days_late),
        )
        return under

    walk(top, 0)
    return [row for row in rows if holds(user, row.report.unit, APPROVERS)]


@dataclass(frozen=True)
class PeriodProgress:
    """How far one regime's period is along, over the reporting units a user approves."""

    regime: Regime
    period: periods.Period
    expected: int
    received: int
    on_time: int
    late: list[AdminUnit]


def progress_overview(
    user: User, *, now: datetime | None = None, periods_back: int = 3
) -> list[PeriodProgress]:
    """The last closed periods of every active periodic regime the user approves reports of, newest first."""
    now = now or timezone.now()
    out = []
    for regime in (
        Regime.objects.filter(state=Regime.State.ACTIVE, kind=Regime.Kind.PERIODIC)
        .select_related("recipient")
        .order_by("code")
    ):
        period = periods.containing(now, frequency=regime.frequency, mode=regime.cutoff_mode)
        for _step in range(periods_back):
            period = period.previous()
            reports = [row.report for row in completeness_tree(user, regime, period.id, now=now) if row.level]
            if not reports:
                break  # the user approves none of this regime's reports
            out.append(PeriodProgress(
                regime, period, len(reports), sum(1 for r in reports if r.submitted_at),
                sum(1 for r in reports if r.on_time),
                [r.unit for r in reports if r.submitted_at is None and r.days_late],
            ))  # fmt: skip
    return out


def overdue(regime: Regime, period_id: str, *, now: datetime | None = None) -> list[Completeness]:
    return [
        row for row in completeness(regime, period_id, now=now) if row.submitted_at is None and row.days_late
    ]


def due_soon(regime: Regime, period_id: str, *, now: datetime, within: timedelta) -> list[Completeness]:
    """Units that have not sent the report and whose deadline falls within `within` (for reminders)."""
    return [
        row
        for row in completeness(regime, period_id, now=now)
        if row.submitted_at is None and row.deadline and now <= row.deadline <= now + within
    ]


def submissions_for(user: User) -> QuerySet[Submission]:
    units = core_selectors.units_where(user, *SUBMITTERS, *APPROVERS, domain=Domain.REPORTING)
    return (
        Submission.objects.filter(unit__in=units)
        .select_related("regime", "unit")
        .order_by("-period", "unit__path")
    )


# ---- publication (SDMX) ----------------------------------------------------------------------------------


def published_flows() -> list[sdmx.Flow]:
    """Every active periodic regime as an SDMX dataflow, with the areas and indicators it publishes."""
    flows = []
    for regime in Regime.objects.filter(state=Regime.State.ACTIVE, kind=Regime.Kind.PERIODIC).order_by(
        "code"
    ):
        top = recipient_of(regime)
        units = [*reporter_units(regime), top]
        for unit in list(units):
            node = unit.parent
            while node is not None and node.path.startswith(top.path) and node not in units:
                units.append(node)
                node = node.parent
        versions = row_versions(regime)
        flows.append(
            sdmx.Flow(
                id=sdmx.sdmx_id(regime.code),
                name=regime.title,
                frequency="A" if regime.frequency == "Y" else regime.frequency,
                areas=sorted({(sdmx.sdmx_id(unit.code), unit.name) for unit in units}),
                indicators=sorted((code, version.name) for code, version in versions.items()),
                cutoff_mode=regime.cutoff_mode or periods.DECREE_09,
            )
        )
    return flows


def sdmx_period(period_id: str) -> str:
    """2026M03 → 2026-M03, 2026Q1 → 2026-Q1, 2026 → 2026 (SDMX reporting periods)."""
    return period_id if period_id.isdigit() else f"{period_id[:4]}-{period_id[4:]}"


def _month_bound(text: str, *, end: bool) -> int | None:
    """An SDMX startPeriod/endPeriod (2026, 2026-03, 2026-M03, 2026-Q1, 2026-S1) as a month number since year 0."""
    import re

    match = re.match(r"^(\d{4})(?:-(M)?(\d{2})|-(Q|S)(\d))?$", text or "")
    if not match:
        raise InvalidInput(_("Kỳ “%(period)s” không hợp lệ."), params={"period": text}, code="invalid_period")
    year = int(match[1])
    if match[3]:
        month = int(match[3])
        first, last = month, month
    elif match[4]:
        span = 3 if match[4] == "Q" else 6
        last = int(match[5]) * span
        first = last - span + 1
    else:
        first, last = 1, 12
    return year * 12 + (last if end else first)


def _bound(text: str, *, end: bool) -> int | date | None:
    """A startPeriod/endPeriod: a reporting period (2026, 2026-03, 2026-M03, 2026-Q1) as a month index, or a day
    (2026-03-01) that a period's own cut-off days are compared with."""
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _month_bound(text, end=end)
    except ValueError:
        raise InvalidInput(
            _("Kỳ “%(period)s” không hợp lệ."), params={"period": text}, code="invalid_period"
        ) from None


def _within(period: periods.Period, low: int | date | None, high: int | date | None) -> bool:
    """Reporting periods are matched by their ids; days by overlap with the period's cut-off days."""
    month = period.year * 12 + period.last_month
    if (isinstance(low, date) and period.last_day < low) or (isinstance(low, int) and month < low):
        return False
    return not (
        (isinstance(high, date) and period.first_day > high) or (isinstance(high, int) and month > high)
    )


def published(regime_code: str, *, key: list[set[str]], start: str = "", end: str = "",
              updated_after: datetime | None = None, last_n: int = 0) -> list[sdmx.Observation]:  # fmt: skip
    """Approved, public values of a regime (units' own and the totals kept above them), as SDMX observations."""
    regime = next(
        (r for r in Regime.objects.filter(state=Regime.State.ACTIVE) if sdmx.sdmx_id(r.code) == regime_code),
        None,
    )
    if regime is None:
        raise NotFound(
            _("Không có dòng dữ liệu “%(flow)s”."), params={"flow": regime_code}, code="dataflow_not_found"
        )
    low, high = _bound(start, end=False), _bound(end, end=True)
    versions = {version.pk: version for version in row_versions(regime).values()}
    rows: list[tuple[Any, ...]] = []
    cells = held_cells(regime=regime, approved=True, kind=ValueBlock.Kind.PERIOD, public=True, with_value=True,
                       versions=versions)  # fmt: skip
    rows.extend((cell.unit_code, cell.indicator_version_id, cell.disaggregation, cell.period, cell.value,
                 cell.obs_status, cell.changed_at) for cell in cells)  # fmt: skip
    kept = Aggregate.objects.filter(regime=regime, indicator_version_id__in=versions).values_list(
        "unit__code", "indicator_version_id", "disaggregation", "period", "value", "computed_at"
    )
    own = {(row[0], row[1], row[2], row[3]) for row in rows}
    rows.extend((u, v, d, p, value, "A", at) for u, v, d, p, value, at in kept if (u, v, d, p) not in own)
    observations = []
    for unit_code, version_id, disaggregation, period_id, value, obs_status, changed_at in rows:
        if disaggregation:
            continue  # breakdowns are not dimensions of the flow yet
        period = period_of(regime, period_id)
        if not _within(period, low, high) or (updated_after and changed_at <= updated_after):
            continue
        version = versions[version_id]
        observation = sdmx.Observation(
            area=sdmx.sdmx_id(unit_code), indicator=version.indicator.code, kind="PERIOD", period=sdmx_period(period_id),
            value=value, obs_status=obs_status, unit_measure=version.unit_of_measure, unit_mult=version.unit_multiplier,
            cutoff_start=period.first_day.isoformat(), cutoff_end=period.last_day.isoformat(),
        )  # fmt: skip
        wanted = (
            regime.frequency if regime.frequency != "Y" else "A",
            observation.area,
            observation.indicator,
            "PERIOD",
        )
        if all(not allowed or part in allowed for part, allowed in zip(wanted, key, strict=False)):
            observations.append(observation)
    if last_n:
        series: dict[tuple[str, str], list[sdmx.Observation]] = {}
        for obs in sorted(observations, key=lambda o: o.period):
            series.setdefault((obs.area, obs.indicator), []).append(obs)
        observations = [obs for items in series.values() for obs in items[-last_n:]]
    return observations


@dataclass(frozen=True)
class Drill:
    derivation: Derivation
    name: str
    records: list[Any]
    unchanged: bool  # the records counted now hash as the snapshot did


def derivation_records(regime: Regime, period_id: str, unit: AdminUnit, code: str) -> Drill:
    """The platform's records behind a derived figure, and whether they are still those the snapshot counted."""
    from tinhso.reporting import derived

    derivation = (
        Derivation.objects.filter(
            regime=regime, period=period_id, unit=unit, indicator_version__indicator__code=code
        )
        .select_related("indicator_version")
        .first()
    )
    if derivation is None:
        raise NotFound(_("Chưa có số liệu nền tảng cho chỉ tiêu này."), code="derivation_not_found")
    query = derived.QUERIES[derivation.indicator_version.derivation]
    period = period_of(regime, period_id)
    result = derived.count(query, unit=unit, start=period.start, end=period.end)
    records = list(
        derived.facts(query, unit=unit, start=period.start, end=period.end).filter(pk__in=result.record_ids)[
            :500
        ]
    )
    return Drill(
        derivation, derivation.indicator_version.name, records, result.records_hash == derivation.records_hash
    )
