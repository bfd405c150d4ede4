"""Every write of the reporting app, each in one transaction with its event on the object's chain: a
regime's, an indicator's, or a unit's report for a period (whose chain records every value and decision)."""

import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import selectors as core_selectors
from tinhso.core import sql as core_sql
from tinhso.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tinhso.core.eventlog import GENESIS_HASH, stream_of
from tinhso.core.lifecycle import Transition
from tinhso.core.models import AdminUnit, Domain, Event, Role, User
from tinhso.core.services import next_event, record_event
from tinhso.core.tasks import once_after_commit
from tinhso.reporting import bulk, deadlines, derived, events, lifecycle, periods, selectors, sql, validation
from tinhso.reporting.models import (
    Aggregate,
    Contribution,
    Derivation,
    Explanation,
    FoldMark,
    Form,
    FormRow,
    Indicator,
    IndicatorVersion,
    KeptTotals,
    LockException,
    ObsStatus,
    Regime,
    Status,
    Submission,
    ValidationRule,
    ValueBlock,
    ValueRevision,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from tinhso.reporting import upward

logger = logging.getLogger(__name__)

# Decree 09/2019 Art. 7 components a periodic regime must have (Art. 11.2: clauses 1-9), with their names.
REQUIRED_COMPONENTS = (
    ("title", _("tên báo cáo")),
    ("content", _("nội dung yêu cầu báo cáo")),
    ("reporters", _("đối tượng thực hiện báo cáo")),
    ("recipient", _("cơ quan nhận báo cáo")),
    ("channels", _("phương thức gửi, nhận báo cáo")),
    ("cutoff_mode", _("thời gian chốt số liệu báo cáo")),
    ("frequency", _("tần suất thực hiện báo cáo")),
    ("deadline_rules", _("thời hạn gửi báo cáo")),
    ("outline", _("mẫu đề cương báo cáo")),
    ("forms", _("biểu mẫu số liệu")),
    ("legal_basis", _("văn bản quy phạm pháp luật ban hành chế độ báo cáo")),
)
REGIME_FIELDS = (
    "title", "kind", "content", "recipient", "channels", "cutoff_mode", "frequency", "deadline_rules",
    "outline", "procedure_guide", "legal_basis", "expiry_days", "valid_from", "valid_to",
)  # fmt: skip
INDICATOR_FIELDS = (
    "parent_code", "name", "unit_of_measure", "unit_multiplier", "definition", "method", "breakdowns",
    "release_period", "data_source", "owner", "source", "derivation", "aggregation", "value_kinds",
    "disaggregations", "decimals", "minimum", "maximum", "tolerance",
)  # fmt: skip
COMPUTED_KINDS = ("ytd", "pct_prev", "pct_yoy", "pct_plan")
TYPED_KINDS = frozenset(ValueBlock.Kind.values)
OBS_STATUSES = frozenset(ObsStatus.values)


# What importStrategy UPDATE and CREATE refuse, for a save's cells and an import's rows alike.
NOTHING_TO_UPDATE = _("Chưa có giá trị để cập nhật (importStrategy=UPDATE).")
ALREADY_HELD = _("Đã có giá trị (importStrategy=CREATE).")
REFUSALS = {"not_found": NOTHING_TO_UPDATE, "exists": ALREADY_HELD}  # by the conflicts' errorCode


def _said(message: "StrOrPromise", **params: Any) -> str:
    """`message` in the active language with its placeholders filled: for texts kept in answers (conflicts)."""
    return str(message) % params if params else str(message)


def _require_admin(actor: User | None) -> None:
    if actor is not None:
        core_selectors.require_role(actor, Role.ADMINISTRATOR, Role.REPORTING_OFFICER)


# ---- regimes ---------------------------------------------------------------------------------------------


@transaction.atomic
def define_regime(
    *, actor: User | None, code: str, reporters: list[str] | None = None, **fields: Any
) -> Regime:
    """Creates or changes a regime still in draft; an active regime changes only through a new code."""
    _require_admin(actor)
    unknown = set(fields) - set(REGIME_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Không có thành phần “%(names)s”."),
            params={"names": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    if isinstance(fields.get("recipient"), str):
        fields["recipient"] = core_selectors.unit_by_code(fields["recipient"])
    regime = Regime.objects.select_for_update().filter(code=code).first()
    if regime is not None and regime.state != Regime.State.DRAFT:
        raise Conflict(
            _("Chế độ báo cáo %(code)s đang áp dụng, không sửa trực tiếp được."), params={"code": code},
            code="regime_active",
        )  # fmt: skip
    regime = regime or Regime(code=code)
    for name, value in fields.items():
        setattr(regime, name, value)
    if regime.pk:
        regime.version += 1
    regime.save()
    if reporters is not None:
        regime.reporters.set([core_selectors.unit_by_code(unit) for unit in reporters])
    record_event(
        subject=regime, action=events.REGIME_DEFINED, actor=actor, payload={"version": regime.version}
    )
    return regime


def missing_components(regime: Regime) -> list[str]:
    missing = []
    for name, label in REQUIRED_COMPONENTS:
        if name == "reporters":
            present = regime.reporters.exists()
        elif name == "forms":
            present = FormRow.objects.filter(form__regime=regime).exists()
        else:
            present = bool(getattr(regime, name + "_id" if name == "recipient" else name))
        if not present:
            missing.append(str(label))
    return missing


@transaction.atomic
def activate_regime(*, actor: User | None, code: str, today: date | None = None) -> Regime:
    """A periodic regime starts only with every Art. 7 component and deadlines Art. 8.5 allows."""
    _require_admin(actor)
    regime = Regime.objects.select_for_update().filter(code=code).first()
    if regime is None:
        raise NotFound(
            _("Không tìm thấy chế độ báo cáo “%(code)s”."), params={"code": code}, code="regime_not_found"
        )
    if regime.kind == Regime.Kind.PERIODIC:
        missing = missing_components(regime)
        if missing:
            raise InvalidInput(
                _("Chế độ báo cáo định kỳ còn thiếu: %(missing)s (Nghị định 09/2019, Điều 7)."),
                params={"missing": ", ".join(missing)},
                code="regime_incomplete",
                missing=missing,
            )
        year = (today or timezone.localdate()).year
        deadlines.check(
            regime.deadline_rules, periods.of_year(year, frequency=regime.frequency, mode=regime.cutoff_mode)
        )
    regime.state = Regime.State.ACTIVE
    regime.save(update_fields=["state"])
    record_event(
        subject=regime, action=events.REGIME_ACTIVATED, actor=actor, payload={"version": regime.version}
    )
    return regime


@transaction.atomic
def define_form(
    *, actor: User | None, regime_code: str, code: str, title: str, rows: list[tuple[str, str]]
) -> Form:
    """A data form of a draft regime: rows are (section, indicator code), each at its current version."""
    _require_admin(actor)
    regime = selectors.regime_by_code(regime_code)
    if regime.state != Regime.State.DRAFT:
        raise Conflict(_("Chỉ sửa biểu mẫu khi chế độ báo cáo còn là dự thảo."), code="regime_active")
    form, _created = Form.objects.update_or_create(regime=regime, code=code, defaults={"title": title})
    form.rows.all().delete()
    for order, (section, indicator_code) in enumerate(rows, start=1):
        FormRow.objects.create(
            form=form, order=order, section=section, indicator_version=_current(indicator_code)
        )
    record_event(
        subject=regime,
        action=events.FORM_DEFINED,
        actor=actor,
        payload={"form": code, "rows": [r[1] for r in rows]},
    )
    return form


@transaction.atomic
def define_rule(*, actor: User | None, regime_code: str, code: str, name: str, left: str, operator: str, right: str,
                importance: str = "medium", missing: str = validation.SKIP_IF_ANY) -> ValidationRule:  # fmt: skip
    _require_admin(actor)
    if operator not in ValidationRule.Operator.values:
        raise InvalidInput(
            _("Toán tử “%(operator)s” không hợp lệ."), params={"operator": operator}, code="invalid_operator"
        )
    if importance not in ValidationRule.Importance.values or missing not in ValidationRule.Missing.values:
        raise InvalidInput(_("Mức độ hoặc cách xử lý giá trị trống không hợp lệ."), code="invalid_rule")
    for expression in (left, right):
        validation.check_expression(expression)
    regime = selectors.regime_by_code(regime_code)
    rule, _created = ValidationRule.objects.update_or_create(
        regime=regime,
        code=code,
        defaults={
            "name": name,
            "left": left,
            "operator": operator,
            "right": right,
            "importance": importance,
            "missing": missing,
        },
    )
    record_event(subject=regime, action=events.RULE_DEFINED, actor=actor, payload={"rule": code})
    return rule


# ---- indicators --------------------------------------------------------------------------------------------


def _current(code: str) -> IndicatorVersion:
    version = (
        IndicatorVersion.objects.filter(indicator__code=code)
        .select_related("indicator")
        .order_by("-version")
        .first()
    )
    if version is None:
        raise NotFound(
            _("Không tìm thấy chỉ tiêu “%(code)s”."),
            params={"code": code},
            code="indicator_not_found",
            value=code,
        )
    return version


@transaction.atomic
def define_indicator(
    *, actor: User | None, code: str, publish: bool = True, **fields: Any
) -> IndicatorVersion:
    """Creates an indicator, or changes it: a published version is never edited, the change makes the next one."""
    _require_admin(actor)
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise InvalidInput(
            _("Không có trường “%(names)s”."),
            params={"names": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    bad_kinds = set(fields.get("value_kinds") or []) - {"period", *COMPUTED_KINDS}
    if bad_kinds:
        raise InvalidInput(
            _("Loại giá trị không hợp lệ: %(kinds)s."),
            params={"kinds": ", ".join(sorted(bad_kinds))},
            code="invalid_value_kind",
        )
    if fields.get("derivation") and fields["derivation"] not in derived.QUERIES:
        raise InvalidInput(
            _("Không có truy vấn “%(query)s”."),
            params={"query": fields["derivation"]},
            code="unknown_derivation",
        )
    if isinstance(fields.get("owner"), str):
        fields["owner"] = core_selectors.unit_by_code(fields["owner"])
    indicator, created = Indicator.objects.select_for_update().get_or_create(code=code)
    latest = None if created else indicator.versions.order_by("-version").first()
    if latest is not None and latest.published_at is None:
        version = latest
    else:
        version = IndicatorVersion(indicator=indicator, version=(latest.version + 1) if latest else 1)
        if latest is not None:
            for name in INDICATOR_FIELDS:
                setattr(version, name, getattr(latest, name))
    changed = sorted(
        name for name, value in fields.items() if latest is None or getattr(latest, name) != value
    )
    if latest is not None and latest.published_at is not None and not changed:
        return latest  # nothing changed: no new version
    for name, value in fields.items():
        setattr(version, name, value)
    if not version.value_kinds:
        version.value_kinds = ["period"]
    if publish and version.published_at is None:
        version.published_at = timezone.now()
    version.save()
    indicator.current_version = version.version
    indicator.save(update_fields=["current_version"])
    record_event(
        subject=indicator,
        action=events.INDICATOR_VERSIONED,
        actor=actor,
        payload={"version": version.version, "changed": changed},
    )
    return version


# ---- entry -----------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One value to save, as given by a page, the API or a spreadsheet (index: its row there)."""

    indicator: str
    value: str | None
    disaggregation: str = ""
    kind: str = ValueBlock.Kind.PERIOD
    comment: str | None = None
    obs_status: str | None = None
    index: int = 0
    # The value's revision the writer saw (0: none yet); None when the writer does not say (API, sheets).
    base_revision: int | None = None


@dataclass
class Outcome:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    revisions: dict[str, int] = field(default_factory=dict)  # each given cell's revision after the save


def parse_number(text: str | None) -> Decimal | None:
    """A value as typed in Vietnam (1.234,5) or by a machine (1234.5); empty means no value."""
    if text is None:
        return None
    text = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1:  # 1.234.567: dots group thousands
        text = text.replace(".", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite() or abs(number) >= Decimal("1e19"):
        raise ValueError(text)
    return number


def _conflict(cell: Cell, code: str, message: str, prop: str = "value") -> dict[str, Any]:
    return conflict(index=cell.index, indicator=cell.indicator, code=code, message=message, prop=prop)


def conflict(
    *, index: int | None, indicator: str, code: str, message: str, prop: str = "value"
) -> dict[str, Any]:
    """One conflict of an import's summary, as DHIS2's dataValueSets lists them (a save's and an import's)."""
    return {"index": index, "object": indicator, "property": prop, "errorCode": code, "message": message}


def _breakdowns(version: IndicatorVersion) -> set[str]:
    """The version's breakdown codes, worked out once per loaded version (an import checks thousands of rows)."""
    codes = getattr(version, "_breakdown_codes", None)
    if codes is None:
        codes = {code for code, _label in version.disaggregations}
        version._breakdown_codes = codes  # type: ignore[attr-defined]
    return codes


def _checked(
    cell: Cell, versions: dict[str, IndicatorVersion]
) -> tuple[IndicatorVersion | None, Decimal | None, dict[str, Any] | None]:
    version = versions.get(cell.indicator)
    if version is None:
        return (
            None,
            None,
            _conflict(
                cell,
                "unknown_indicator",
                _said(_("Chỉ tiêu “%(code)s” không có trong biểu mẫu."), code=cell.indicator),
                "indicator",
            ),
        )
    if cell.kind in COMPUTED_KINDS:
        message = _said(_("Lũy kế và các tỷ lệ do hệ thống tính, không nhập."))
        return None, None, _conflict(cell, "computed_value", message, "kind")
    if cell.kind not in TYPED_KINDS:
        return (
            None,
            None,
            _conflict(
                cell,
                "invalid_kind",
                _said(_("Loại giá trị “%(kind)s” không hợp lệ."), kind=cell.kind),
                "kind",
            ),
        )
    if cell.disaggregation and cell.disaggregation not in _breakdowns(version):
        message = _said(
            _("Phân tổ “%(breakdown)s” không có ở chỉ tiêu %(code)s."),
            breakdown=cell.disaggregation,
            code=cell.indicator,
        )
        return None, None, _conflict(cell, "unknown_disaggregation", message, "disaggregation")
    if cell.obs_status and cell.obs_status not in OBS_STATUSES:
        return (
            None,
            None,
            _conflict(
                cell, "invalid_obs_status", _said(_("Trạng thái số liệu phải là E, P hoặc A.")), "obs_status"
            ),
        )
    try:
        number = parse_number(cell.value)
    except ValueError:
        message = _said(_("Giá trị “%(value)s” không phải là số."), value=cell.value)
        return None, None, _conflict(cell, "not_a_number", message)
    if number is not None:
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -version.decimals:
            message = _said(
                _("Chỉ tiêu %(code)s (%(unit)s) nhận tối đa %(decimals)s chữ số thập phân."),
                code=cell.indicator, unit=version.unit_of_measure, decimals=version.decimals,
            )  # fmt: skip
            return None, None, _conflict(cell, "too_many_decimals", message)
        if (version.minimum is not None and number < version.minimum) or (
            version.maximum is not None and number > version.maximum
        ):
            message = _said(
                _("Giá trị %(value)s nằm ngoài khoảng cho phép của %(code)s (%(unit)s)."),
                value=f"{number:g}", code=cell.indicator, unit=version.unit_of_measure,
            )  # fmt: skip
            return None, None, _conflict(cell, "out_of_range", message)
    return version, number, None


def _report(regime: Regime, period: periods.Period, unit: AdminUnit) -> Submission:
    """The unit's report for the period, locked for this transaction (made first if it has none)."""
    found = Submission.objects.select_for_update().filter(regime=regime, period=period.id, unit=unit)
    submission = found.first()
    if submission is None:
        Submission.objects.get_or_create(regime=regime, period=period.id, unit=unit)
        submission = found.get()
    return submission


def _locked_reason(
    regime: Regime, period: periods.Period, unit: AdminUnit, submission: Submission | None, now: datetime
) -> str | None:
    return selectors.entry_lock(regime, period, unit, submission, now)


def _lock_error(reason: str, unit: AdminUnit, period: periods.Period) -> Conflict:
    return Conflict(_locked_message(reason, unit, period), code="entry_locked", reason=reason)


def _locked_message(reason: str, unit: AdminUnit, period: periods.Period) -> str:
    return _said(
        _("%(unit)s, kỳ %(period)s: %(reason)s"),
        unit=unit.name,
        period=period.id,
        reason=selectors.LOCK_REASONS[reason],
    )


# What a value given for a cell does to the value the cell holds (verdict).
NEW, UPDATE, UNCHANGED, IGNORED, STALE = "new", "update", "unchanged", "ignored", "stale"


def verdict(*, current: selectors.HeldCell | None, number: Decimal | None, comment: str | None,
            obs_status: str | None, strategy: str, base_revision: int | None = None) -> tuple[str, str, str]:  # fmt: skip
    """What a checked value does to the value its cell holds (`current`, None: none), for a page's save and an
    import alike: NEW, UPDATE, UNCHANGED, IGNORED (an empty cell given nothing), STALE (changed since the
    writer's `base_revision`) or a key of REFUSALS; with the comment and status the value is to have (a comment
    or status not given keeps the one held)."""
    if current is None:
        comment, obs = comment or "", obs_status or ObsStatus.OFFICIAL
        if strategy == "UPDATE":
            return "not_found", comment, obs
        return (IGNORED if number is None and not comment else NEW), comment, obs
    comment = current.comment if comment is None else comment
    obs = obs_status or current.obs_status
    if (current.value, current.comment, current.obs_status) == (number, comment, obs):
        return UNCHANGED, comment, obs
    if base_revision is not None and base_revision != current.revision:
        return STALE, comment, obs
    return ("exists" if strategy == "CREATE" else UPDATE), comment, obs


@dataclass
class _Plan:
    """What a save changes in one report: the event's changes, the values updated and the new ones."""

    changes: list[list[Any]] = field(default_factory=list)  # [[indicator, breakdown, kind, old, new], ...]
    touched: list[selectors.HeldCell] = field(default_factory=list)  # as they are to be
    touched_keys: list[str] = field(default_factory=list)
    # Imported values about to change: their revision 1 is kept as a row first.
    born: list[selectors.HeldCell] = field(default_factory=list)
    fresh: list[bulk.Written] = field(default_factory=list)

    def written(self) -> list[bulk.Written]:
        """Every cell the save writes, changed and new, as its block is to hold it."""
        return [
            bulk.Written(value.indicator_version_id, value.kind, value.disaggregation, value.value, value.comment,
                         value.obs_status, value.revision, value.batch_id)
            for value in self.touched
        ] + self.fresh  # fmt: skip


def _plan(*, actor: User | None, submission: Submission, cells: list[tuple[Cell, IndicatorVersion, Decimal | None]],
          existing: dict[tuple[int, str, str], selectors.HeldCell], strategy: str, outcome: Outcome,
          now: datetime) -> _Plan:  # fmt: skip
    """Decides what each checked cell does to the report's `existing` values; unchanged values record nothing."""
    plan = _Plan()
    actor_id = actor.pk if actor else None
    for cell, version, number in cells:
        key = cell_key(cell.indicator, cell.disaggregation, cell.kind)
        current = existing.get((version.pk, cell.disaggregation, cell.kind))
        does, comment, obs = verdict(current=current, number=number, comment=cell.comment,
                                     obs_status=cell.obs_status, strategy=strategy, base_revision=cell.base_revision)  # fmt: skip
        if does in REFUSALS:
            outcome.conflicts.append(_conflict(cell, does, _said(REFUSALS[does])))
            continue
        if does == IGNORED:
            outcome.ignored += 1
            continue
        if current is None:  # NEW
            outcome.imported += 1
            outcome.revisions[key] = 1
            plan.changes.append([cell.indicator, cell.disaggregation, cell.kind, None, _text(number)])
            plan.fresh.append(
                bulk.Written(version.pk, cell.kind, cell.disaggregation, number, comment, obs, 1)
            )
            continue
        if does == UNCHANGED:
            outcome.ignored += 1
            outcome.revisions[key] = current.revision
            continue
        if does == STALE:
            if _as_seen(current, cell.base_revision or 0) == (number, comment):
                outcome.ignored += 1  # left as it was seen: the newer value someone else saved stands
                outcome.revisions[key] = current.revision
            else:
                outcome.conflicts.append(_stale(cell, current))
            continue
        outcome.updated += 1
        plan.changes.append(
            [cell.indicator, cell.disaggregation, cell.kind, _text(current.value), _text(number)]
        )
        if current.batch_id is not None and current.revision == 1:
            # Its import batch stood for revision 1: kept as a row before it changes.
            plan.born.append(current)
        plan.touched.append(current._replace(value=number, comment=comment, obs_status=obs,
                                             revision=current.revision + 1, changed_at=now, changed_by_id=actor_id))  # fmt: skip
        plan.touched_keys.append(key)
    return plan


def _write(*, actor: User | None, submission: Submission, cells: list[tuple[Cell, IndicatorVersion, Decimal | None]],
           channel: str, reason: str, strategy: str, outcome: Outcome, dry_run: bool) -> None:  # fmt: skip
    """Applies checked cells to one report; unchanged values record nothing."""
    now = timezone.now()
    existing = {
        (value.indicator_version_id, value.disaggregation, value.kind): value
        for value in (selectors.held_cells(submission=submission.pk) if submission.pk else [])
    }
    plan = _plan(actor=actor, submission=submission, cells=cells, existing=existing, strategy=strategy,
                 outcome=outcome, now=now)  # fmt: skip
    if dry_run or not plan.changes:
        return
    touched = plan.touched
    outcome.revisions.update(zip(plan.touched_keys, (value.revision for value in touched), strict=True))
    # Every writer of a report's chain holds its row lock (_report here), so the event needs no savepoint.
    event = record_event(subject=submission, action=events.VALUES_SAVED, actor=actor, locked=True,
                         payload={"channel": channel, "reason": reason, "changes": plan.changes})  # fmt: skip
    written = plan.written()
    actor_id = actor.pk if actor else None
    blocks = bulk.write_cells(report=submission.pk, cells=written, at=now, author=actor_id)
    revisions = [[blocks[(cell.indicator_version_id, cell.kind)], cell.disaggregation, cell.revision, cell.value,
                  cell.comment, cell.obs_status, channel, reason, now, actor_id, event.seq, None]
                 for cell in written]  # fmt: skip
    bulk.insert_rows(ValueRevision, bulk.REVISION, bulk.first_revisions(plan.born) + revisions)


def _as_seen(current: selectors.HeldCell, revision: int) -> tuple[Decimal | None, str]:
    """The (value, comment) a cell had at `revision` (0: before any value was saved)."""
    if revision <= 0:
        return None, ""
    seen = ValueRevision.objects.filter(
        block_id=current.block_id, disaggregation=current.disaggregation, revision=revision
    ).first()
    return (seen.value, seen.comment) if seen else (current.value, current.comment)


def _stale(cell: Cell, current: selectors.HeldCell) -> dict[str, Any]:
    """Another writer saved this cell after the writer loaded it: their value is kept, this one refused."""
    writer = User.objects.filter(pk=current.changed_by_id).first() if current.changed_by_id else None
    who = writer.display_name if writer else ""
    shown = _text(current.value) or ""
    message = _said(
        _(
            "%(who)s vừa lưu ô này là “%(value)s”; số bạn nhập chưa được lưu. Lưu lại để thay bằng số của bạn."
        ),
        who=who or _("Người khác"),
        value=shown,
    )
    return {
        **_conflict(cell, "stale_value", message),
        "current": {"value": shown, "comment": current.comment, "revision": current.revision},
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@transaction.atomic
def save_values(*, actor: User, regime_code: str, period_id: str, unit_code: str, cells: list[Cell],
                channel: str = "ui", reason: str = "") -> Outcome:  # fmt: skip
    """Saves a page's or a sheet's values of one report, all or none; the outcome counts what changed."""
    outcome = None
    if connection.vendor == "postgresql":
        outcome = _save_at_once(actor=actor, regime_code=regime_code, period_id=period_id, unit_code=unit_code,
                                cells=cells, channel=channel, reason=reason)  # fmt: skip
    if outcome is None:
        rows = [{"indicator": c.indicator, "period": period_id, "unit": unit_code, "cell": c} for c in cells]
        outcome = _import(actor=actor, regime_code=regime_code, rows=rows, channel=channel, reason=reason,
                          strategy="CREATE_AND_UPDATE", dry_run=False)  # fmt: skip
    if not outcome.conflicts:
        return outcome
    first = outcome.conflicts[0]
    if first.get("lockReason"):
        raise Conflict(first["message"], code="entry_locked", reason=first["lockReason"])
    errors: dict[str, list[str]] = defaultdict(list)
    current: dict[str, dict[str, Any]] = {}
    for conflict in outcome.conflicts:
        cell = cells[conflict["index"]]
        key = cell_key(cell.indicator, cell.disaggregation, cell.kind)
        errors[key].append(conflict["message"])
        if "current" in conflict:
            current[key] = conflict["current"]
    stale = len(current) == len(outcome.conflicts)
    raise InvalidInput(
        _("Số liệu chưa lưu được: %(first)s"),
        params={"first": first["message"]},
        code="stale_value" if stale else "invalid_values",
        errors=dict(errors),
        current=current,
    )


def _save_at_once(*, actor: User, regime_code: str, period_id: str, unit_code: str, cells: list[Cell], channel: str,
                  reason: str) -> Outcome | None:  # fmt: skip
    """save_values on PostgreSQL in two statements, read then write (a save under 16 clients was bound by the
    ORM's Python per statement, bench/reporting.py). None when the general path must answer: anything but a clean
    save of an existing report open for entry (it words every refusal), nothing written here then."""
    wanted = [(cell.indicator, cell.disaggregation, cell.kind) for cell in cells]
    if len(set(wanted)) < len(wanted):
        return None
    # A read after the one that took the lock sees the chain's head; a report made here is read on the next turn.
    for _attempt in range(3):
        found = sql.report_for_entry(regime=regime_code, period=period_id, unit=unit_code, actor=actor.pk,
                                     today=timezone.localdate(), domains=(Domain.REPORTING, Domain.ALL), cells=wanted)  # fmt: skip
        if found is None:  # an unknown regime or unit, or one not taking part
            return None
        place, held = found
        report_id = place.report_id
        regime = Regime(pk=place.regime_id, code=regime_code, state=place.state, cutoff_mode=place.cutoff_mode,
                        frequency=place.frequency, deadline_rules=json.loads(place.deadline_rules),
                        expiry_days=place.expiry_days, recipient_id=place.recipient_id)  # fmt: skip
        unit = AdminUnit(pk=place.unit_id, code=unit_code, name=place.unit_name, path=place.unit_path)
        submission = Submission(pk=report_id, regime=regime, period=period_id, unit=unit,
                                status=place.status or Status.DRAFT)  # fmt: skip
        if place.state != Regime.State.ACTIVE or not selectors.holds_among(
            place.roles, unit, selectors.REPORTERS
        ):
            return None
        try:
            period = selectors.period_of(regime, period_id)
        except InvalidInput:
            return None
        now = timezone.now()
        if _locked_reason(regime, period, unit, submission, now):
            return None
        if report_id is None:  # the report's first value: made (one statement), then read again locked
            Submission.objects.bulk_create([submission], ignore_conflicts=True)
            continue
        versions, checked = selectors.row_versions(regime), []
        for cell in cells:
            version, number, conflict = _checked(cell, versions)
            if conflict or version is None:
                return None
            checked.append((cell, version, number))
        existing = {
            (cell.indicator_version_id, cell.disaggregation, cell.kind): cell
            for cell in map(selectors.HeldCell._make, held)
        }
        outcome = Outcome()
        plan = _plan(actor=actor, submission=submission, cells=checked, existing=existing,
                     strategy="CREATE_AND_UPDATE", outcome=outcome, now=now)  # fmt: skip
        if outcome.conflicts or plan.born:  # an imported value's first change also writes its revision 1
            return None
        if not plan.changes:
            return outcome
        head = Event(
            stream=stream_of(submission), seq=place.head_seq or 0, hash=place.head_hash or GENESIS_HASH
        )
        event = next_event(head, action=events.VALUES_SAVED, actor=actor,
                           payload={"channel": channel, "reason": reason, "changes": plan.changes})  # fmt: skip
        if sql.save_values(
            event=event, report=report_id, cells=plan.written(), channel=channel, reason=reason
        ):
            outcome.revisions.update(
                zip(plan.touched_keys, (value.revision for value in plan.touched), strict=True)
            )
            return outcome
    return None


def cell_key(indicator: str, disaggregation: str = "", kind: str = ValueBlock.Kind.PERIOD) -> str:
    """The name of a cell in pages, sheets and error lists: DNMOI, DNMOI.nn, BLHH@plan."""
    name = f"{indicator}.{disaggregation}" if disaggregation else indicator
    return name if kind == ValueBlock.Kind.PERIOD else f"{name}@{kind}"


def _unit_for_entry(actor: User, unit: AdminUnit | None, code: str) -> tuple[Any, ...]:
    """(unit, None) when the actor may type the values of `unit` (the regime's reporter or recipient by that
    code, None if it has none), else (None, (code, message))."""
    if unit is None:
        return None, ("unknown_unit", _said(_("Đơn vị “%(code)s” không báo cáo theo chế độ này."), code=code))
    if not selectors.may_enter(actor, unit):
        return None, ("not_a_reporter", _said(_("Bạn không được nhập số liệu cho %(unit)s."), unit=unit.name))
    return unit, None


def active_regime(*, code: str) -> Regime:
    """The regime `code`, which takes figures only while it is in force (a save's and an import's first check)."""
    regime = selectors.regime_by_code(code)
    if regime.state != Regime.State.ACTIVE:
        raise Conflict(
            _("Chế độ báo cáo %(code)s chưa được áp dụng."),
            params={"code": regime.code},
            code="regime_not_active",
        )
    return regime


def _import(*, actor: User, regime_code: str, rows: list[dict[str, Any]], channel: str, reason: str, strategy: str,
            dry_run: bool) -> Outcome:  # fmt: skip
    regime = active_regime(code=regime_code)
    versions = selectors.row_versions(regime)
    outcome, now = Outcome(), timezone.now()
    units: dict[str, tuple[Any, ...]] = {}
    recipient = selectors.recipient_of(regime)
    named = {recipient.code: recipient} | {
        unit.code: unit for unit in regime.reporters.filter(code__in={row["unit"] for row in rows})
    }
    reports: dict[tuple[str, str], list[Any]] = defaultdict(list[Any])
    seen: set[tuple[str, ...]] = set()
    periods_named: dict[str, periods.Period | InvalidInput] = {}  # an import names a handful of periods
    for row in rows:
        cell = row["cell"]
        if row["period"] not in periods_named:
            try:
                periods_named[row["period"]] = selectors.period_of(regime, row["period"])
            except InvalidInput as error:
                periods_named[row["period"]] = error
        period = periods_named[row["period"]]
        if isinstance(period, InvalidInput):
            outcome.conflicts.append(_conflict(cell, "invalid_period", period.message, "period"))
            continue
        if row["unit"] not in units:
            units[row["unit"]] = _unit_for_entry(actor, named.get(row["unit"]), row["unit"])
        unit, refusal = units[row["unit"]]
        if refusal:
            outcome.conflicts.append(_conflict(cell, refusal[0], refusal[1], "unit"))
            continue
        key = (period.id, unit.code, cell.indicator, cell.disaggregation, cell.kind)
        if key in seen:
            outcome.conflicts.append(
                _conflict(cell, "duplicate", _said(_("Ô này xuất hiện hai lần trong cùng lần nhập.")))
            )
            continue
        seen.add(key)
        version, number, conflict = _checked(cell, versions)
        if conflict:
            outcome.conflicts.append(conflict)
            continue
        reports[(period.id, unit.code)].append((cell, version, number, period, unit))
    submissions = []
    for items in reports.values():
        period, unit = items[0][3], items[0][4]
        # Locked before its state and values are read: a concurrent save of the same report waits here.
        submission = (
            selectors.submission_of(regime, period.id, unit) if dry_run else _report(regime, period, unit)
        )
        reason_locked = _locked_reason(regime, period, unit, submission, now)
        if reason_locked:
            message = _locked_message(reason_locked, unit, period)
            for item in items:
                outcome.conflicts.append(
                    {**_conflict(item[0], "entry_locked", message, "period"), "lockReason": reason_locked}
                )
        submissions.append(submission or Submission(regime=regime, period=period.id, unit=unit))
    if outcome.conflicts:
        transaction.set_rollback(True)  # reports created above to be locked are not kept
        outcome.conflicts.sort(key=lambda conflict: conflict["index"])
        return outcome
    for submission, items in zip(submissions, reports.values(), strict=True):
        cells = [(cell, version, number) for cell, version, number, _p, _u in items]
        _write(actor=actor, submission=submission, cells=cells, channel=channel, reason=reason, strategy=strategy,
               outcome=outcome, dry_run=dry_run)  # fmt: skip
    if outcome.conflicts:
        transaction.set_rollback(True)
        outcome.imported = outcome.updated = 0
        return outcome
    return outcome


@transaction.atomic
def save_narrative(
    *, actor: User, regime_code: str, period_id: str, unit_code: str, section: str, text: str
) -> Submission:
    regime = selectors.regime_by_code(regime_code)
    unit = core_selectors.unit_by_code(unit_code)
    selectors.require_entry(actor, unit)
    period = selectors.period_of(regime, period_id)
    if section not in {item.get("code") for item in regime.outline}:
        raise InvalidInput(
            _("Đề cương không có mục “%(section)s”."), params={"section": section}, code="unknown_section"
        )
    submission = _report(regime, period, unit)
    reason = _locked_reason(regime, period, unit, submission, timezone.now())
    if reason:
        raise _lock_error(reason, unit, period)
    if submission.narrative.get(section, "") == text.strip():
        return submission
    submission.narrative = {**submission.narrative, section: text.strip()}
    submission.save(update_fields=["narrative"])
    record_event(
        subject=submission,
        action=events.NARRATIVE_SAVED,
        actor=actor,
        payload={"section": section, "text": text.strip()},
    )
    return submission


# ---- explanations, lock exceptions -------------------------------------------------------------------------


@transaction.atomic
def explain(*, actor: User, submission_id: int, subject: str, text: str) -> Explanation:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("regime", "unit")
        .get(pk=submission_id)
    )
    selectors.require_entry(actor, submission.unit)
    if not text.strip():
        raise InvalidInput(
            _("Cần ghi giải trình."), code="explanation_required", errors={"text": [_("Cần ghi giải trình.")]}
        )
    if submission.status == Status.APPROVED:  # the approver may still ask for one while the values are locked
        raise Conflict(_("Báo cáo đã được phê duyệt, không sửa giải trình được."), code="entry_locked")
    explanation, _created = Explanation.objects.update_or_create(
        submission=submission,
        subject=subject,
        defaults={"text": text.strip(), "written_by": actor, "written_at": timezone.now()},
    )
    record_event(
        subject=submission,
        action=events.EXPLAINED,
        actor=actor,
        payload={"subject": subject, "text": text.strip()},
    )
    return explanation


@transaction.atomic
def grant_lock_exception(*, actor: User, regime_code: str, period_id: str, unit_code: str, expires_at: datetime,
                         reason: str) -> LockException:  # fmt: skip
    regime = selectors.regime_by_code(regime_code)
    unit = core_selectors.unit_by_code(unit_code)
    if not selectors.holds(actor, selectors.reports_to(regime, unit), selectors.APPROVERS):
        raise Forbidden(_("Chỉ cấp trên của đơn vị mới mở khóa nhập liệu được."), code="not_an_approver")
    if not reason.strip():
        raise InvalidInput(_("Cần ghi lý do mở khóa."), code="reason_required")
    selectors.period_of(regime, period_id)
    exception = LockException.objects.create(regime=regime, period=period_id, unit=unit, reason=reason.strip(),
                                             granted_by=actor, expires_at=expires_at)  # fmt: skip
    submission = _report(regime, selectors.period_of(regime, period_id), unit)
    record_event(subject=submission, action=events.LOCK_EXCEPTION_GRANTED, actor=actor,
                 payload={"period": period_id, "unit": unit.code, "expires_at": expires_at.isoformat(), "reason": exception.reason})  # fmt: skip
    return exception


# ---- the lifecycle -----------------------------------------------------------------------------------------


def _transition(
    *, actor: User, submission_id: int, version: int, action: str, reason: str = ""
) -> tuple[Submission, Transition, "_Place | None"]:
    """The report locked for this change, once the table allows `action` from its state for this actor; with
    what the lean read gave on PostgreSQL (None where the general reads answered)."""
    place = _place(actor, submission_id) if connection.vendor == "postgresql" else None
    if place is not None:
        submission = place.submission
    else:
        # Only the report's row: FOR UPDATE over the join would also lock the regime and the unit, so that every
        # action on any report of the regime waited for every other to commit.
        # The recipient and the unit's parent come along: the level above and the roll-up ask for them.
        found = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("regime__recipient", "unit__parent")
            .filter(pk=submission_id)
            .first()
        )
        if found is None:
            raise NotFound(_("Không tìm thấy báo cáo."), code="submission_not_found")
        submission = found
    transitions = lifecycle.LIFECYCLE.rows(action)
    lifecycle.LIFECYCLE.authorize(
        transitions[0],
        (lambda party: place.is_party(party))
        if place is not None
        else (lambda party: selectors.is_party(actor, submission, party)),
    )
    if submission.version != version:
        raise Conflict(_("Báo cáo vừa được người khác cập nhật; vui lòng tải lại."), code="stale_version",
                       current={"status": submission.status, "version": submission.version})  # fmt: skip
    transition = lifecycle.LIFECYCLE.check(action, submission.status, current={"status": submission.status})
    if action in lifecycle.NEEDS_REASON and not reason.strip():
        raise InvalidInput(
            _("Cần ghi lý do."), code="reason_required", errors={"reason": [_("Cần ghi lý do.")]}
        )
    return submission, transition, place


# The report locked (its row alone: the regime's and the unit's stay free), with what deciding an action on it
# needs, in one read: its regime and recipient, its unit and that unit's parent, the actor's roles in
# reporting, the regime's reporting units that can matter (own and effective paths), whether any of them was
# merged into a unit merged again, and whether the platform froze any figure of the report (no frozen figure:
# no mismatch to explain). The ORM's reads of the same cost an action most of its CPU (bench/reporting.py,
# docs/benchmarks.md, issue 20).
# The units that can matter, so that a commune's action decodes a few rows and not every unit of the regime:
# those above the unit (by its own or its effective path), for the level it reports to, and those inside its
# subtree (by either path), for its children and the levels they report to; every unit for the recipient, to
# which a unit outside its subtree may report.
ACTION_PLACE = """
SELECT s.status, s.version, s.revision, s.period, s.submitted_at, s.submitted_by_id, s.decided_at,
    s.decided_by_id, s.return_reason,
    r.id, r.code, r.state, r.cutoff_mode, r.frequency, r.recipient_id, rp.path,
    u.id, u.code, u.name, u.path, u.parent_id, u.successor_id, us.path, us.successor_id,
    p.code, p.name, p.path, p.parent_id, p.successor_id,
    ARRAY(SELECT ARRAY[a.role, ap.path] FROM core_roleassignment a JOIN core_adminunit ap ON ap.id = a.unit_id
          WHERE a.user_id = %(actor)s AND (a.valid_to IS NULL OR a.valid_to >= %(today)s)
          AND a.domain IN (%(domain)s, %(all_domains)s)),
    coalesce(m.reporters, '{}'), m.merged_twice,
    EXISTS (SELECT 1 FROM reporting_derivation d
            WHERE d.regime_id = r.id AND d.period = s.period AND d.unit_id = s.unit_id)
FROM reporting_submission s
JOIN reporting_regime r ON r.id = s.regime_id
LEFT JOIN core_adminunit rp ON rp.id = r.recipient_id
JOIN core_adminunit u ON u.id = s.unit_id
LEFT JOIN core_adminunit us ON us.id = u.successor_id
LEFT JOIN core_adminunit p ON p.id = u.parent_id
CROSS JOIN LATERAL (
    SELECT array_agg(ARRAY[m.adminunit_id::text, mu.path, coalesce(ms.path, mu.path), mu.name] ORDER BY mu.path)
            FILTER (WHERE u.id = r.recipient_id OR starts_with(u.path, mu.path)
                OR starts_with(coalesce(us.path, u.path), mu.path) OR starts_with(mu.path, u.path)
                OR starts_with(coalesce(ms.path, mu.path), u.path)) AS reporters,
        coalesce(bool_or(ms.successor_id IS NOT NULL), false) AS merged_twice
    FROM reporting_regime_reporters m JOIN core_adminunit mu ON mu.id = m.adminunit_id
    LEFT JOIN core_adminunit ms ON ms.id = mu.successor_id
    WHERE m.regime_id = r.id
) m
WHERE s.id = %(report)s
FOR UPDATE OF s
"""


class _Reporter(NamedTuple):
    id: int
    path: str
    effective: str  # its successor's path when merged
    name: str


@dataclass
class _Place:
    """ACTION_PLACE's answer: the report (regime, unit and parent attached), the actor's (role, unit path) pairs,
    the regime's reporting units above and below the report's unit and whether any platform figure of the report
    was frozen."""

    submission: Submission
    roles: list[tuple[str, str]]
    reporters: list[_Reporter]
    recipient_path: str
    effective: str  # the unit's effective path
    derived: bool

    def above(self, unit_id: int, path: str, effective: str) -> tuple[int, str]:
        """selectors.reports_to over the rows read: (id, path) of the level a unit reports to."""
        recipient = self.submission.regime.recipient_id
        if unit_id == recipient:
            return unit_id, path
        candidates = [
            (r.id, r.path) for r in self.reporters if effective.startswith(r.path) and r.path != effective
        ]
        candidates.append((recipient or 0, self.recipient_path))
        return max(candidates, key=lambda candidate: len(candidate[1]))

    def is_party(self, party: Any) -> bool:
        """selectors.is_party over the roles read."""
        unit = self.submission.unit
        if party == lifecycle.UNIT:
            return selectors.holds_among(self.roles, unit, selectors.SUBMITTERS)
        _id, path = self.above(unit.pk, unit.path, self.effective)
        return selectors.holds_among(self.roles, AdminUnit(path=path), selectors.APPROVERS)

    def children(self) -> list[_Reporter]:
        """selectors.children over the rows read: the units reporting to this report's unit directly."""
        unit = self.submission.unit
        inside = self.reporters if unit.pk == self.submission.regime.recipient_id else [
            r for r in self.reporters if r.effective.startswith(unit.path)
        ]  # fmt: skip
        return [r for r in inside if r.id != unit.pk and self.above(r.id, r.path, r.effective)[0] == unit.pk]


def _place(actor: User, submission_id: int) -> _Place | None:
    """ACTION_PLACE read (the report locked); None, nothing decided, where a merged unit's successor was merged
    again (selectors.effective_unit follows such chains: the general reads answer)."""
    with connection.cursor() as cursor:
        cursor.execute(ACTION_PLACE, {"report": submission_id, "actor": actor.pk, "today": timezone.localdate(),
                                      "domain": Domain.REPORTING, "all_domains": Domain.ALL})  # fmt: skip
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("Không tìm thấy báo cáo."), code="submission_not_found")
    (status, version, revision, period, submitted_at, submitted_by, decided_at, decided_by, return_reason,
     regime_id, code, state, cutoff_mode, frequency, recipient_id, recipient_path,
     unit_id, unit_code, unit_name, unit_path, parent_id, successor_id, successor_path, successor_successor,
     parent_code, parent_name, parent_path, parent_parent, parent_successor, roles, reporters, merged_twice,
     derived) = row  # fmt: skip
    if successor_successor is not None or merged_twice:
        return None
    regime = Regime(pk=regime_id, code=code, state=state, cutoff_mode=cutoff_mode, frequency=frequency,
                    recipient_id=recipient_id)  # fmt: skip
    unit = AdminUnit(pk=unit_id, code=unit_code, name=unit_name, path=unit_path, parent_id=parent_id,
                     successor_id=successor_id)  # fmt: skip
    if parent_id is not None:
        unit.parent = AdminUnit(pk=parent_id, code=parent_code, name=parent_name, path=parent_path,
                                parent_id=parent_parent, successor_id=parent_successor)  # fmt: skip
    submission = Submission(pk=submission_id, regime=regime, unit=unit, period=period, status=status, version=version,
                            revision=revision, submitted_at=submitted_at, submitted_by_id=submitted_by,
                            decided_at=decided_at, decided_by_id=decided_by, return_reason=return_reason)  # fmt: skip
    submission._state.adding, submission._state.db = False, connection.alias
    return _Place(submission=submission, roles=[(role, path) for role, path in roles],
                  reporters=[_Reporter(int(key), path, effective, name) for key, path, effective, name in reporters],
                  recipient_path=recipient_path or "", effective=successor_path or unit_path, derived=derived)  # fmt: skip


def _apply(
    submission: Submission, transition: Transition, actor: User, payload: dict[str, Any]
) -> Submission:
    submission.status = transition.target
    submission.version += 1
    if lifecycle.ABOVE in transition.parties:
        submission.decided_at, submission.decided_by = timezone.now(), actor
    # The report's row was locked by an earlier statement (_transition): one statement saves it and reads the
    # head of its chain, which the event follows.
    head = core_sql.saved_with_head(submission, changing=DECIDED)
    core_sql.insert_new(next_event(head, action=transition.event, actor=actor, payload=payload))
    return submission


# What the lifecycle's actions change on a report.
DECIDED = (
    "status",
    "version",
    "revision",
    "submitted_at",
    "submitted_by",
    "decided_at",
    "decided_by",
    "return_reason",
)


@transaction.atomic
def submit(*, actor: User, submission_id: int, version: int, reason: str = "") -> Submission:
    """Sends the report up: a HIGH rule broken blocks it; every other finding needs an explanation.
    A report sent again after being returned is a new revision and says why."""
    submission, transition, _place_read = _transition(
        actor=actor, submission_id=submission_id, version=version, action="submit"
    )
    if submission.revision and not reason.strip():
        raise InvalidInput(
            _("Gửi lại báo cáo cần ghi lý do điều chỉnh."),
            code="reason_required",
            errors={"reason": [_("Cần ghi lý do.")]},
        )
    # Read once (each reading runs every rule and outlier query); a mismatch with the platform is explained
    # before approval, not here: the cross-checks are not read.
    found = selectors.findings(submission, kinds=("rule", "outlier"))
    blocking = [finding for finding in found if finding.blocking]
    if blocking:
        raise Conflict(
            _("Báo cáo vi phạm quy tắc kiểm tra mức cao: %(findings)s"),
            params={"findings": "; ".join(f.message for f in blocking)},
            code="validation_failed",
            findings=[f.subject for f in blocking],
        )
    unexplained = [f for f in found if not f.explanation]
    if unexplained:
        raise Conflict(
            _("Cần giải trình trước khi gửi: %(findings)s"),
            params={"findings": "; ".join(f.message for f in unexplained)},
            code="explanation_required",
            findings=[f.subject for f in unexplained],
        )
    submission.revision += 1
    submission.submitted_at, submission.submitted_by = timezone.now(), actor
    submission.return_reason = ""
    return _apply(submission, transition, actor, {"revision": submission.revision, "reason": reason.strip()})


@transaction.atomic
def accept(*, actor: User, submission_id: int, version: int) -> Submission:
    submission, transition, _place_read = _transition(
        actor=actor, submission_id=submission_id, version=version, action="accept"
    )
    return _apply(submission, transition, actor, {})


@transaction.atomic
def approve(*, actor: User, submission_id: int, version: int) -> Submission:
    """Approves a report: every unit reporting to it must be approved first, every mismatch with the
    platform's own figures explained. The approved values then roll up the tree."""
    submission, transition, place = _transition(
        actor=actor, submission_id=submission_id, version=version, action="approve"
    )
    regime = submission.regime
    below = [(unit.id, unit.name) for unit in place.children()] if place else [
        (unit.pk, unit.name) for unit in selectors.children(regime, submission.unit)
    ]  # fmt: skip
    approved = _approved_units(regime, submission.period, [key for key, _name in below])
    waiting = [name for key, name in below if key not in approved]
    if waiting:
        raise Conflict(_("Chưa phê duyệt được: còn đơn vị cấp dưới chưa được phê duyệt (%(units)s)."),
                       params={"units": ", ".join(waiting)}, code="children_not_approved", units=waiting)  # fmt: skip
    # Rules and outliers were settled at submission; only the cross-checks stand between acceptance and approval.
    # A mismatch needs a figure the platform froze for this report: none, nothing to read.
    frozen = place is None or place.derived
    mismatches = (
        [f for f in selectors.findings(submission, kinds=("crosscheck",)) if not f.explanation]
        if frozen
        else []
    )
    if mismatches:
        raise Conflict(_("Số liệu khác số liệu nền tảng ghi nhận mà chưa giải trình: %(findings)s"),
                       params={"findings": "; ".join(f.message for f in mismatches)}, code="mismatch_unexplained", findings=[f.subject for f in mismatches])  # fmt: skip
    _apply(submission, transition, actor, {"children": sorted(approved)})
    _ask_fold(submission)
    return submission


def _approved_units(regime: Regime, period: str, units: list[int]) -> set[int]:
    """Which of `units` have their report of the period approved (read after the approver's lock was granted)."""
    if not units:
        return set()
    if connection.vendor != "postgresql":
        found = Submission.objects.filter(
            regime=regime, period=period, unit__in=units, status=Status.APPROVED
        )
        return set(found.values_list("unit_id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id FROM reporting_submission WHERE regime_id = %s AND period = %s AND status = %s"
            " AND unit_id = ANY(%s)", [regime.pk, period, Status.APPROVED, units],
        )  # fmt: skip
        return {key for (key,) in cursor.fetchall()}


@transaction.atomic
def return_report(*, actor: User, submission_id: int, version: int, reason: str) -> Submission:
    submission, transition, _place_read = _transition(
        actor=actor, submission_id=submission_id, version=version, action="return", reason=reason
    )
    was_approved = submission.status == Status.APPROVED
    submission.return_reason = reason.strip()
    _apply(submission, transition, actor, {"reason": reason.strip()})
    if was_approved:
        _ask_fold(submission)
    return submission


# ---- aggregation -------------------------------------------------------------------------------------------


def _levels_above(regime: Regime, unit: AdminUnit) -> list[AdminUnit]:
    """The units whose totals count `unit`'s values: its successor if merged, then each parent up to the
    regime's recipient."""
    target = selectors.effective_unit(unit)
    above = [target] if target.pk != unit.pk else []
    node = target.parent
    while node is not None:
        above.append(node)
        if node.pk == regime.recipient_id:
            break
        node = node.parent
    return above


def _kept_text(total: Decimal) -> str:
    """A total as KeptTotals keeps it: to the Aggregate column's four decimals."""
    return format(total.quantize(Decimal("0.0001")).normalize(), "f")


# Within its caller's transaction (every caller has one), without a savepoint: the province's shared totals it
# writes stay locked until the commit, one round trip fewer.
@transaction.atomic(savepoint=False)
def roll_up(*, submission: Submission, sign: int, own: dict[tuple[int, str], Decimal] | None = None) -> None:
    """Adds a report's approved values (or `own`, {(indicator version id, breakdown): value}) to the kept totals
    of every level above its unit (sign 1), or takes them away (sign -1): only the cells it has values in change,
    by the difference; a cell already counted (or already taken away) is left as it is."""
    regime = submission.regime
    versions = _versions(regime)
    own = _own_cells(submission, versions) if own is None else own
    above = _levels_above(regime, submission.unit)
    if not own or not above:
        return
    if connection.vendor == "postgresql":
        _add_up(submission, versions, own, above, sign)
        return
    # Approvals of one regime's units add to the same totals: they take turns (a lost addition is never kept),
    # from here on only: the report's own values, read above, are held by the caller's lock on the report.
    Regime.objects.select_for_update().filter(pk=regime.pk).exists()
    kept = {
        (row.unit_id, row.indicator_version_id, row.disaggregation): row
        for row in Aggregate.objects.filter(
            regime=regime,
            period=submission.period,
            unit__in=above,
            indicator_version_id__in={v for v, _d in own},
        )
    }
    now = timezone.now()
    written: list[Aggregate] = []
    emptied: list[Aggregate] = []
    for node in above:
        for (version_id, disaggregation), value in own.items():
            row = kept.get((node.pk, version_id, disaggregation)) or Aggregate(
                regime=regime, period=submission.period, unit=node, indicator_version_id=version_id,
                disaggregation=disaggregation, value=Decimal(0), children=[],
            )  # fmt: skip
            counted = submission.pk in row.children
            if counted == (sign > 0):
                continue  # already counted (or already taken away): nothing to add twice
            row.children = sorted({*row.children, submission.pk} - (set() if sign > 0 else {submission.pk}))
            row.value, row.computed_at = row.value + sign * value, now
            (written if row.children else emptied).append(row)
    _average(versions, written)
    Aggregate.objects.filter(pk__in=[row.pk for row in emptied if row.pk]).delete()
    # One statement for every changed total (COPY into a staging table on PostgreSQL), not one UPDATE each.
    core_sql.upsert_rows(
        Aggregate._meta.db_table,
        list(AGGREGATE_COLUMNS),
        [(regime.pk, row.period, row.unit_id, row.indicator_version_id, row.disaggregation,
          row.value.quantize(Decimal("0.0001")), json.dumps(row.children), now) for row in written],
        key=["regime_id", "period", "unit_id", "indicator_version_id", "disaggregation"],
        column_types=["bigint", "varchar(8)", "bigint", "bigint", "varchar(40)", "numeric", "jsonb", "timestamptz"],
        update="value = excluded.value, children = excluded.children, computed_at = excluded.computed_at",
    )  # fmt: skip
    _keep_totals(submission, versions, above, written, emptied, now)


# Each total changes by the report's value in place, rows in key order (two approvals lock shared totals in the
# same order); a report's cell counts once: added only if not yet among the children, taken away only if there.
ADD_UP = """
INSERT INTO reporting_aggregate AS a
    (regime_id, period, unit_id, indicator_version_id, disaggregation, value, children, computed_at)
SELECT %(regime)s::bigint, %(period)s::varchar, t.unit, t.version, t.breakdown, t.amount,
    jsonb_build_array(%(report)s::bigint), %(now)s::timestamptz
FROM unnest(%(units)s::bigint[], %(versions)s::bigint[], %(breakdowns)s::text[], %(amounts)s::numeric[])
    WITH ORDINALITY AS t(unit, version, breakdown, amount, n)
WHERE %(sign)s::int > 0 OR EXISTS (
    SELECT 1 FROM reporting_aggregate b WHERE b.regime_id = %(regime)s::bigint AND b.period = %(period)s::varchar
    AND b.unit_id = t.unit AND b.indicator_version_id = t.version AND b.disaggregation = t.breakdown
    AND b.children @> jsonb_build_array(%(report)s::bigint))
ORDER BY t.n
ON CONFLICT (regime_id, period, unit_id, indicator_version_id, disaggregation) DO UPDATE SET
    value = a.value + excluded.value,
    children = (SELECT coalesce(jsonb_agg(c ORDER BY c::bigint), '[]'::jsonb)
                FROM jsonb_array_elements(a.children || excluded.children) AS c
                WHERE %(sign)s::int > 0 OR c <> excluded.children -> 0),
    computed_at = excluded.computed_at
WHERE (a.children @> excluded.children) = (%(sign)s::int < 0)
RETURNING a.id, a.unit_id, a.indicator_version_id, a.disaggregation, a.value, a.children
"""
# Each level's one-row totals take the changed cells; a null (a cell no report holds any more) removes its key.
PATCH_TOTALS = """
INSERT INTO reporting_kepttotals AS k (regime_id, period, unit_id, totals, computed_at, version)
SELECT %(regime)s::bigint, %(period)s::varchar, t.unit, t.patch, %(now)s::timestamptz, gen_random_uuid()
FROM unnest(%(units)s::bigint[], %(patches)s::text[]::jsonb[]) WITH ORDINALITY AS t(unit, patch, n) ORDER BY t.n
ON CONFLICT (regime_id, period, unit_id) DO UPDATE SET
    totals = jsonb_strip_nulls(k.totals || excluded.totals), computed_at = excluded.computed_at,
    version = excluded.version
"""


# ADD_UP and PATCH_TOTALS in one statement, when no total is an average (worked out again in Python): the
# province's shared rows are then held from one statement to the commit, not across two and the Python between.
ADD_UP_AND_PATCH = f"""
WITH added AS ({ADD_UP}), patched AS (
    INSERT INTO reporting_kepttotals AS k (regime_id, period, unit_id, totals, computed_at, version)
    SELECT %(regime)s::bigint, %(period)s::varchar, added.unit_id, jsonb_object_agg(
        CASE WHEN added.disaggregation = '' THEN c.code ELSE c.code || '.' || added.disaggregation END,
        CASE WHEN jsonb_array_length(added.children) > 0 THEN to_jsonb(trim_scale(added.value)::text) END),
        %(now)s::timestamptz, gen_random_uuid()
    FROM added JOIN unnest(%(coded)s::bigint[], %(codes)s::text[]) AS c(version, code)
        ON c.version = added.indicator_version_id
    GROUP BY added.unit_id ORDER BY added.unit_id
    ON CONFLICT (regime_id, period, unit_id) DO UPDATE SET
        totals = jsonb_strip_nulls(k.totals || excluded.totals), computed_at = excluded.computed_at,
        version = excluded.version
)
SELECT * FROM added
"""


def _add_up(submission: Submission, versions: dict[int, IndicatorVersion], own: dict[tuple[int, str], Decimal],
            above: list[AdminUnit], sign: int) -> None:  # fmt: skip
    """roll_up on PostgreSQL: the totals change in place by the report's values, so approvals of other units
    wait only for the rows they share, from that statement to their commit, not for a lock on the regime."""
    regime, now = submission.regime, timezone.now()
    cells = sorted((node.pk, version_id, breakdown, sign * value) for node in above
                   for (version_id, breakdown), value in own.items())  # fmt: skip
    params: dict[str, Any] = {
        "regime": regime.pk, "period": submission.period, "report": submission.pk, "now": now, "sign": sign,
        "units": [c[0] for c in cells], "versions": [c[1] for c in cells], "breakdowns": [c[2] for c in cells],
        "amounts": [c[3] for c in cells],
    }  # fmt: skip
    with connection.cursor() as cursor:
        # Shared: approvals pass one another; rebuild_totals, which rewrites every total, waits for them.
        cursor.execute("SELECT 1 FROM reporting_regime WHERE id = %s FOR SHARE", [regime.pk])
        at_once = all(
            versions[version].aggregation != IndicatorVersion.Aggregation.AVERAGE for version, _b in own
        )
        if at_once:
            coded = sorted({version for version, _b in own})
            params |= {"coded": coded, "codes": [versions[version].indicator.code for version in coded]}
        cursor.execute(ADD_UP_AND_PATCH if at_once else ADD_UP, params)
        rows = [
            Aggregate(pk=key, regime=regime, period=submission.period, unit_id=unit, indicator_version_id=version,
                      disaggregation=breakdown, value=value,
                      children=json.loads(children) if isinstance(children, str) else children)
            for key, unit, version, breakdown, value, children in cursor.fetchall()
        ]  # fmt: skip
        averaged = [row for row in rows if row.children and versions[row.indicator_version_id].aggregation
                    == IndicatorVersion.Aggregation.AVERAGE]  # fmt: skip
        _average(versions, averaged)
        for row in averaged:
            Aggregate.objects.filter(pk=row.pk).update(value=row.value)
        emptied = [row.pk for row in rows if not row.children]
        if emptied:
            Aggregate.objects.filter(pk__in=emptied).delete()
        if at_once:
            if emptied:
                levels = {row.unit_id for row in rows}
                KeptTotals.objects.filter(
                    regime=regime, period=submission.period, unit_id__in=levels, totals={}
                ).delete()
            return
        patches: dict[int, dict[str, str | None]] = defaultdict(dict)
        for row in rows:
            key = cell_key(versions[row.indicator_version_id].indicator.code, row.disaggregation)
            patches[row.unit_id][key] = _kept_text(row.value) if row.children else None
        if not patches:
            return
        units = sorted(patches)
        cursor.execute(PATCH_TOTALS, {"regime": regime.pk, "period": submission.period, "now": now, "units": units,
                                      "patches": [json.dumps(patches[unit]) for unit in units]})  # fmt: skip
        if emptied:
            KeptTotals.objects.filter(
                regime=regime, period=submission.period, unit_id__in=units, totals={}
            ).delete()


def _versions(regime: Regime) -> dict[int, IndicatorVersion]:
    return {row.indicator_version_id: row.indicator_version for row in selectors.form_rows(regime)}


def _own_cells(
    submission: Submission, versions: dict[int, IndicatorVersion]
) -> dict[tuple[int, str], Decimal]:
    """The report's values that count in the totals above it: {(indicator version id, breakdown): value}."""
    return {
        (cell.indicator_version_id, cell.disaggregation): cell.value
        for cell in selectors.held_cells(
            submission=submission.pk, kind=ValueBlock.Kind.PERIOD, with_value=True
        )
        if cell.value is not None and _adds_up(versions.get(cell.indicator_version_id))
    }


def _adds_up(version: IndicatorVersion | None) -> TypeGuard[IndicatorVersion]:
    """Whether the version's values count in the totals above a report (a version of the form, aggregated)."""
    return version is not None and version.aggregation != IndicatorVersion.Aggregation.NONE


# ---- the kept totals, folded after the approvals ------------------------------------------------------------
# An approval (or the return of an approved report) records its state and event and appends a mark for the fold:
# a row of its own, so no action waits for another or for a fold; the fold (a job queued on commit, every minute,
# and before a report is sent upward) brings each marked report's share of the totals up to date.

# The mark appended; whether the report's share was never recorded (approved before shares were kept).
ASK_FOLD = """
INSERT INTO reporting_foldmark (submission_id, marked_at) VALUES (%(report)s, %(now)s)
RETURNING EXISTS (SELECT 1 FROM reporting_contribution WHERE submission_id = %(report)s AND cells IS NULL)
"""
FOLD_BATCH = 20  # reports folded per transaction
FOLD_MARKS = 4 * FOLD_BATCH  # marks read per transaction, oldest first
FOLD_LOCK = 202_0020  # PostgreSQL advisory lock: folds take turns (see _fold_batch)


def _ask_fold(submission: Submission, *, at_once: bool = False) -> None:
    """Marks the report for the fold, queued once this transaction commits; folded in this transaction when
    `at_once`, or when its share was never recorded: its values are still those counted."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(ASK_FOLD, {"report": submission.pk, "now": now})
            (unknown,) = cursor.fetchone()
    else:
        FoldMark.objects.create(submission_id=submission.pk, marked_at=now)
        unknown = Contribution.objects.filter(submission_id=submission.pk, cells__isnull=True).exists()
    if at_once or unknown:
        _take_fold_turn()
        _fold(reports=[submission.pk], now=now)
        FoldMark.objects.filter(submission_id=submission.pk).delete()  # no fold runs meanwhile: all are seen
        return
    from tinhso.reporting import tasks

    once_after_commit(tasks.kick)


def fold_totals(*, limit: int = FOLD_BATCH) -> int:
    """Brings the kept totals up to every approval and return committed: each marked report's share is taken
    away as it was counted and added as its approved values stand now, and the marks read are deleted in the
    same transaction, so a fold killed halfway leaves its reports marked for the next one. Returns how many
    reports were folded."""
    folded = 0
    while True:
        done, more = _fold_batch(limit=limit)
        folded += done
        if not more:
            return folded


def _take_fold_turn() -> None:
    """Folds take turns until their commit: two adding into the same province rows over several statements
    could deadlock, and a share is written by one fold at a time (SQLite serialises writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])


@transaction.atomic
def _fold_batch(*, limit: int) -> tuple[int, bool]:
    """Folds the reports of the oldest marks (at most `limit`) and deletes the marks it read, only those: a mark
    committed later stays for the next fold. Each report's approved values are read with its status in one
    statement, so a return committing meanwhile is never half seen. (reports folded, whether marks remain)."""
    _take_fold_turn()
    marks = list(FoldMark.objects.order_by("pk").values_list("pk", "submission_id")[:FOLD_MARKS])
    reports = list(dict.fromkeys(report for _key, report in marks))[:limit]
    _fold(reports=reports, now=timezone.now())
    chosen = set(reports)
    FoldMark.objects.filter(pk__in=[key for key, report in marks if report in chosen]).delete()
    return len(reports), len(marks) == FOLD_MARKS or len(reports) == limit


def _fold(*, reports: list[int], now: datetime) -> None:
    """Brings the reports' shares to what they are to count now: each report's values if approved, else nothing
    (the caller holds the fold's turn). Three reads and one write for the whole batch; only a report whose share
    changes is read whole and rolled up (a report approved then returned before the fold costs no more)."""
    kept = dict(Contribution.objects.filter(submission_id__in=reports).values_list("submission_id", "cells"))
    regimes = {key: Regime(pk=regime, state=state) for key, regime, state in
               Submission.objects.filter(pk__in=reports).values_list("pk", "regime_id", "regime__state")}  # fmt: skip
    approved: dict[int, list[tuple[int, dict[str, str | None]]]] = defaultdict(list)
    # The values with their report's status, in one statement: a return committing meanwhile is never half seen.
    for report, version, values in (
        ValueBlock.objects.filter(submission_id__in=reports, kind=ValueBlock.Kind.PERIOD, submission__status=Status.APPROVED)
        .order_by("pk")
        .values_list("submission_id", "indicator_version_id", "values")
    ):  # fmt: skip
        approved[report].append((version, values))
    shares, changed = [], []
    for report in reports:
        versions = _versions(regimes[report])
        target = {
            (version, breakdown): Decimal(text)
            for version, values in approved[report]
            if _adds_up(versions.get(version))
            for breakdown, text in values.items()
            if text is not None
        }
        cells = kept.get(report, {})
        if cells is None:  # approved before shares were kept: counted as its values stand
            counted = _own_cells(Submission(pk=report), versions)
        else:
            counted = {_share_cell(key): Decimal(value) for key, value in cells.items()}
        if counted != target:
            changed.append((report, counted, target))
        shares.append(Contribution(
            submission_id=report, folded_at=now,
            cells={f"{version}:{breakdown}": str(value) for (version, breakdown), value in target.items()},
        ))  # fmt: skip
    whole = Submission.objects.select_related("regime__recipient", "unit__parent").in_bulk(
        [report for report, _counted, _target in changed]
    )
    for report, counted, target in changed:
        if counted:
            roll_up(submission=whole[report], sign=-1, own=counted)
        if target:
            roll_up(submission=whole[report], sign=1, own=target)
    Contribution.objects.bulk_create(
        shares, update_conflicts=True, unique_fields=["submission"], update_fields=["cells", "folded_at"]
    )


def _share_cell(key: str) -> tuple[int, str]:
    version, _colon, breakdown = key.partition(":")
    return int(version), breakdown


AGGREGATE_COLUMNS = ("regime_id", "period", "unit_id", "indicator_version_id", "disaggregation", "value", "children",
                     "computed_at")  # fmt: skip


def _average(versions: dict[int, IndicatorVersion], rows: list[Aggregate]) -> None:
    """Totals of indicators aggregated by average are worked out again from the values they average."""
    for row in rows:
        if versions[row.indicator_version_id].aggregation != IndicatorVersion.Aggregation.AVERAGE:
            continue
        values = [
            cell.value
            for cell in selectors.held_cells(
                submissions=row.children, versions=[row.indicator_version_id], disaggregation=row.disaggregation,
                kind=ValueBlock.Kind.PERIOD, with_value=True,
            )
            if cell.value is not None
        ]  # fmt: skip
        row.value = sum(values, Decimal(0)) / len(values)


def _keep_totals(submission: Submission, versions: dict[int, IndicatorVersion], above: list[AdminUnit],
                 written: list[Aggregate], emptied: list[Aggregate], now: datetime) -> None:  # fmt: skip
    """Each level's one-row totals take the changed cells (a level left with none keeps no row)."""
    kept = {
        row.unit_id: row
        for row in KeptTotals.objects.filter(
            regime=submission.regime, period=submission.period, unit__in=above
        )
    }
    for node in above:
        row = kept.get(node.pk) or KeptTotals(
            regime=submission.regime, period=submission.period, unit=node, totals={}
        )
        for aggregate in written + emptied:
            if aggregate.unit_id != node.pk:
                continue
            key = cell_key(versions[aggregate.indicator_version_id].indicator.code, aggregate.disaggregation)
            if aggregate.children:
                row.totals[key] = _kept_text(aggregate.value)
            else:
                row.totals.pop(key, None)
        row.computed_at, row.version = now, uuid.uuid4()
        if row.totals:
            row.save()
        elif row.pk:
            row.delete()


@transaction.atomic
def rebuild_totals(*, regime: Regime, period_id: str, unit: AdminUnit) -> None:
    """Works out again, from every approved value, the kept totals of each level above `unit`: for figures
    approved outside the lifecycle (the benchmark) and to check that roll_up's differences add up."""
    _take_fold_turn()  # the shares it rewrites are the folds' own
    Regime.objects.select_for_update().filter(pk=regime.pk).exists()
    above = _levels_above(regime, unit)
    versions = {row.indicator_version_id: row.indicator_version for row in selectors.form_rows(regime)}
    approved = selectors.held_cells(
        regime=regime, period=period_id, approved=True, kind=ValueBlock.Kind.PERIOD, with_value=True
    )
    owners = AdminUnit.objects.select_related("successor").in_bulk(
        {cell.unit_code for cell in approved}, field_name="code"
    )
    now = timezone.now()
    for node in above:
        sums: dict[tuple[int, str], list[Any]] = defaultdict(list[Any])
        for value in approved:
            owner = owners[value.unit_code]
            if owner.pk == node.pk or not selectors.effective_unit(owner).path.startswith(node.path):
                continue
            sums[(value.indicator_version_id, value.disaggregation)].append(value)
        Aggregate.objects.filter(regime=regime, period=period_id, unit=node).delete()
        rows = []
        for (version_id, disaggregation), values in sums.items():
            version = versions.get(version_id)
            if version is None or not _adds_up(version):
                continue
            total = sum((value.value for value in values), Decimal(0))
            if version.aggregation == IndicatorVersion.Aggregation.AVERAGE:
                total = total / len(values)
            rows.append(Aggregate(regime=regime, period=period_id, unit=node, indicator_version_id=version_id,
                                  disaggregation=disaggregation, value=total,
                                  children=sorted({value.submission_id for value in values}), computed_at=now))  # fmt: skip
        Aggregate.objects.bulk_create(rows)
        KeptTotals.objects.filter(regime=regime, period=period_id, unit=node).delete()
        if rows:
            totals = {
                cell_key(versions[row.indicator_version_id].indicator.code, row.disaggregation): _kept_text(
                    row.value
                )
                for row in rows
            }
            KeptTotals.objects.create(
                regime=regime, period=period_id, unit=node, totals=totals, computed_at=now
            )
    # Every report's share as the rebuild counted it: a mark left finds its report's share already counted.
    shares: dict[int, dict[str, str]] = {}
    for value in approved:
        version = versions.get(value.indicator_version_id)
        if _adds_up(version):
            shares.setdefault(value.submission_id, {})[f"{version.pk}:{value.disaggregation}"] = str(
                value.value
            )
    reports = Submission.objects.filter(regime=regime, period=period_id)
    Contribution.objects.filter(submission__in=reports).delete()
    Contribution.objects.bulk_create(
        Contribution(submission_id=key, cells=cells, folded_at=now) for key, cells in shares.items()
    )


# ---- the platform's own figures ----------------------------------------------------------------------------


@transaction.atomic
def snapshot_derivations(
    *, regime_code: str, period_id: str, now: datetime | None = None
) -> list[Derivation]:
    """Counts every derived row for every reporting unit over the regime's cut-off period, once the period
    has closed, and freezes the counts: later events do not move a snapshotted figure."""
    now = now or timezone.now()
    regime = selectors.regime_by_code(regime_code)
    period = selectors.period_of(regime, period_id)
    if now < period.end:
        raise Conflict(
            _("Kỳ %(period)s chưa đến ngày chốt số liệu."),
            params={"period": period.id},
            code="period_not_closed",
        )
    made = []
    for row in selectors.form_rows(regime):
        version = row.indicator_version
        if not version.derivation:
            continue
        query = derived.QUERIES[version.derivation]
        for unit in [*selectors.reporter_units(regime), selectors.recipient_of(regime)]:
            if Derivation.objects.filter(
                regime=regime, period=period.id, unit=unit, indicator_version=version
            ).exists():
                continue
            result = derived.count(query, unit=unit, start=period.start, end=period.end)
            derivation = Derivation.objects.create(
                regime=regime, period=period.id, unit=unit, indicator_version=version, value=Decimal(result.value),
                query=query.key, parameters=result.parameters, records_hash=result.records_hash, computed_at=now,
            )  # fmt: skip
            record_event(
                subject=f"reporting.derivation:{regime.code}:{period.id}:{unit.code}",
                action=events.DERIVED,
                actor=None,
                payload={
                    "indicator": version.indicator.code,
                    "value": result.value,
                    "query": query.key,
                    "records_hash": result.records_hash,
                },
            )
            made.append(derivation)
    return made


def act(*, actor: User, submission_id: int, version: int, action: str, reason: str = "") -> Submission:
    """One lifecycle action by its name in the table (pages and the API name actions, not functions)."""
    if action not in lifecycle.LIFECYCLE.actions:
        raise NotFound(_("Không có thao tác “%(action)s”."), params={"action": action}, code="unknown_action")
    if action == "submit":
        return submit(actor=actor, submission_id=submission_id, version=version, reason=reason)
    if action == "return":
        return return_report(actor=actor, submission_id=submission_id, version=version, reason=reason)
    return {"accept": accept, "approve": approve}[action](
        actor=actor, submission_id=submission_id, version=version
    )


@transaction.atomic
def import_history(*, actor: User | None, regime_code: str, period_id: str, unit_code: str,
                   values: dict[str, str], obs_status: str = ObsStatus.OFFICIAL, reason: str) -> Submission:  # fmt: skip
    """Brings in a closed period's figures already approved in an earlier reporting system (an administrator's
    migration): written as approved, with the reason and source on the report's chain, then rolled up."""
    if actor is not None:
        core_selectors.require_role(actor, Role.ADMINISTRATOR)
    if not reason.strip():
        raise InvalidInput(_("Cần ghi nguồn số liệu lịch sử."), code="reason_required")
    regime = selectors.regime_by_code(regime_code)
    period = selectors.period_of(regime, period_id)
    unit = core_selectors.unit_by_code(unit_code)
    if timezone.now() < period.end:
        raise Conflict(
            _("Kỳ %(period)s chưa đến ngày chốt số liệu."),
            params={"period": period.id},
            code="period_not_closed",
        )
    submission = _report(regime, period, unit)
    if submission.status != Status.DRAFT or selectors.held_cells(submission=submission.pk):
        raise Conflict(
            _("%(unit)s đã có báo cáo kỳ %(period)s."), params={"unit": unit.name, "period": period.id},
            code="report_exists",
        )  # fmt: skip
    versions = selectors.row_versions(regime)
    cells = []
    for index, (code, text) in enumerate(values.items()):
        cell = Cell(code, text, obs_status=obs_status, index=index)
        version, number, conflict = _checked(cell, versions)
        if conflict or version is None:
            raise InvalidInput(
                conflict["message"] if conflict else code,
                code=conflict["errorCode"] if conflict else "invalid",
            )
        cells.append((cell, version, number))
    _write(actor=actor, submission=submission, cells=cells, channel="history", reason=reason, strategy="CREATE",
           outcome=Outcome(), dry_run=False)  # fmt: skip
    submission.status, submission.revision, submission.version = Status.APPROVED, 1, submission.version + 1
    submission.submitted_at = submission.decided_at = period.end
    submission.save()
    record_event(subject=submission, action=events.HISTORY_IMPORTED, actor=actor, payload={"reason": reason})
    _ask_fold(submission, at_once=True)  # an administrator's migration, one report at a time: counted now
    return submission


def _approved_report(actor: User, submission_id: int, *, lock: bool) -> Submission:
    """The approved report `actor` may send upward (locked when `lock`), or the refusal that says why not."""
    found = Submission.objects.select_for_update(of=("self",)) if lock else Submission.objects.all()
    submission = found.select_related("regime", "unit").filter(pk=submission_id).first()
    if submission is None:
        raise NotFound(_("Không tìm thấy báo cáo."), code="submission_not_found")
    if not selectors.holds(actor, submission.unit, (*selectors.APPROVERS, *selectors.REPORTERS)):
        raise Forbidden(_("Bạn không được gửi báo cáo này lên cấp trên."), code="not_allowed")
    if submission.status != Status.APPROVED:
        raise Conflict(_("Chỉ gửi lên cấp trên báo cáo đã được phê duyệt."), code="not_approved")
    return submission


def send_upward(*, actor: User, submission_id: int) -> tuple[str, str]:
    """Packages an approved report (canonical JSON with its SHA-256, and a PDF signed PAdES by the platform's
    signing service, verifiable at /xac-thuc/) and hands it to the upward adapter; returns (SHA-256, where
    the adapter put it). The hash and the signature's code are recorded on the report's chain."""
    from tinhso.reporting import upward
    from tinhso.signing import pades, profiles
    from tinhso.signing import services as signing
    from tinhso.signing.models import SignedDocument

    submission = _approved_report(actor, submission_id, lock=False)
    fold_totals()  # a level's package carries the totals of every approval committed before it
    unavailable = Conflict(
        _("Chưa ký số được gói báo cáo, vui lòng thử lại sau."), code="signing_unavailable"
    )
    if not profiles.usable(profiles.profile()):
        logger.warning("The signing key is not configured: report %s is not sent upward", submission.pk)
        raise unavailable
    package = upward.package_of(submission)
    # Signed outside the transaction (sign_document opens its own): the timestamp authority may be slow.
    try:
        signed = signing.sign_document(
            actor=actor, pdf=package.pdf, kind=SignedDocument.Kind.REPORT, subject=package.name[:64],
            title=package.document["title"][:200] or package.name, reason=_said(_("Báo cáo gửi cấp trên")),
            location=signing.province_name(),
        )  # fmt: skip
    except (pades.TimestampUnavailable, ImproperlyConfigured, OSError) as error:
        logger.warning("Report %s is not sent upward: it cannot be signed (%s)", submission.pk, error)
        raise unavailable from error
    with signed.file.open("rb") as stored:
        package = upward.signed(package, pdf=stored.read(), code=signed.code)
    return _hand_over(actor=actor, submission_id=submission_id, package=package)


@transaction.atomic
def _hand_over(*, actor: User, submission_id: int, package: "upward.Package") -> tuple[str, str]:
    from tinhso.reporting import upward

    submission = _approved_report(actor, submission_id, lock=True)
    if submission.revision != package.document["revision"]:  # returned and approved again while signing
        raise Conflict(_("Báo cáo vừa thay đổi; vui lòng gửi lại."), code="stale_version")
    sender = upward.adapter()
    location = sender.send(package)
    record_event(subject=submission, action=events.PACKAGE_SENT, actor=actor,
                 payload={"adapter": sender.name, "sha256": package.sha256, "location": location,
                          "signature": package.signature})  # fmt: skip
    return package.sha256, location


@transaction.atomic
def remind_due_reports(*, now: datetime | None = None, within: timedelta = timedelta(days=2)) -> int:
    """Records, once per unit and period, that a report not yet sent is due within `within`; the
    notifications app tells the unit's reporting officers. Returns how many reminders were recorded."""
    from django.urls import reverse

    from tinhso.core.models import Event, RoleAssignment

    now = now or timezone.now()
    recorded = 0
    for regime in Regime.objects.filter(state=Regime.State.ACTIVE, kind=Regime.Kind.PERIODIC).select_related(
        "recipient"
    ):
        period = periods.containing(now, frequency=regime.frequency, mode=regime.cutoff_mode).previous()
        for row in selectors.due_soon(regime, period.id, now=now, within=within):
            stream = f"reporting.reminder:{regime.code}:{period.id}:{row.unit.code}"
            if Event.objects.filter(stream=stream).exists():
                continue
            prefixes = [row.unit.path[: index + 1] for index, char in enumerate(row.unit.path) if char == "/"]
            officers = RoleAssignment.objects.filter(role=Role.REPORTING_OFFICER, unit__path__in=prefixes)
            record_event(
                subject=stream,
                action=events.REMINDER_DUE,
                actor=None,
                payload={
                    "regime": regime.code, "period": period.id, "unit": row.unit.name,
                    "due": row.deadline.isoformat() if row.deadline else "",
                    "notify": sorted(set(officers.values_list("user_id", flat=True))),
                    "link": reverse("reporting:report", args=[regime.code, period.id, row.unit.code]),
                },
            )  # fmt: skip
            recorded += 1
    return recorded
