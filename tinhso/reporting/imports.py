"""The dataValueSets import (DHIS2 in spirit): every row is checked first and, if any conflicts, nothing is
written; importing the same rows again changes nothing. An import that writes is one ImportBatch row (who,
when, how, the SHA-256 of what was sent) with one event on its own chain; its new values go into new blocks
(one per report, indicator version and kind) carrying the batch, which stands for their first revision, and
only values it changes get revision rows (docs/benchmarks.md, "Reporting", issue 20's import)."""

import gc
import hashlib
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Annotated, Any

import msgspec
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import selectors as core_selectors
from tinhso.core.errors import InvalidInput
from tinhso.core.models import AdminUnit, Domain, User
from tinhso.core.schema_types import FREE_TEXT_MAX, column_length
from tinhso.core.services import record_event
from tinhso.reporting import bulk, events, periods, selectors, services
from tinhso.reporting.models import (
    ImportBatch,
    Indicator,
    IndicatorVersion,
    ObsStatus,
    Regime,
    Submission,
    ValueBlock,
    ValueRevision,
)

STRATEGIES = ("CREATE", "UPDATE", "CREATE_AND_UPDATE")
CHANNEL = "api"
# The columns of a new block, in the order the import writes them.
NEW_BLOCK = ("submission_id", "indicator_version_id", "kind", "values", "cells", "obs_status", "public", "changed_at",
             "changed_by_id", "batch_id")  # fmt: skip


SLOW = (-1, None)  # a lane's cell whose row went the full checks' way (in Report.rows)
PERIOD = ValueBlock.Kind.PERIOD.value


def _text(max_length: int) -> msgspec.Meta:
    return msgspec.Meta(max_length=max_length)


class DataValue(msgspec.Struct, gc=False, omit_defaults=True):
    """One value to import, as the API's body is read (msgspec, straight from the JSON): each text as wide as
    the column that keeps it, else refused at the edge. Left out: no value, no breakdown, a period value, no
    comment (the one kept), the status kept or official. Not tracked by the cyclic collector: no cycles."""

    indicator: Annotated[str, _text(column_length(Indicator, "code"))]
    period: Annotated[str, _text(column_length(Submission, "period"))]
    unit: Annotated[str, _text(column_length(AdminUnit, "code"))]
    value: Annotated[str, _text(40)] | float | int | None = None  # 1e19 is refused anyway: 24 digits suffice
    disaggregation: Annotated[str, _text(column_length(ValueRevision, "disaggregation"))] = ""
    kind: Annotated[str, _text(16)] = PERIOD  # long enough to name a computed kind, refused by name
    comment: Annotated[str, _text(FREE_TEXT_MAX)] | None = None
    obs_status: Annotated[str, _text(8)] | None = None


@dataclass
class Lane:
    """The plain values of one form row and kind of a report, each straight into its block's dict
    {breakdown: (index, number as kept or None)}, and the numbers already worked out for its version."""

    version: IndicatorVersion
    allowed: set[str]
    numbers: dict[Any, Any]
    cells: dict[str, tuple[int, str | None]] = field(default_factory=dict)


@dataclass
class Report:
    """The checked values of one unit's report for one period: plain ones by lane {(code, kind): Lane}, the
    others as rows (index, code, version, breakdown, kind, number, comment or None, obs status or None)."""

    period: periods.Period
    unit: AdminUnit
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    lanes: dict[tuple[str, str], Lane | None] = field(default_factory=dict)
    submission: Submission | None = None

    def indexes(self) -> list[tuple[int, str]]:
        """Every value's (index, indicator code) in the body."""
        return [(row[0], row[1]) for row in self.rows] + [
            (cell[0], code) for (code, _kind), lane in self.lanes.items() if lane
            for cell in lane.cells.values() if cell is not SLOW
        ]  # fmt: skip


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one import: the containers it makes per row all live until
    it ends, so a full collection in its middle frees nothing and walks every object of the process
    (docs/benchmarks.md, issue 20's import). Values are still freed by their reference counts."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
@transaction.atomic
def import_values(*, actor: User, regime_code: str, values: Sequence[DataValue] | Sequence[Mapping[str, Any]],
                  dry_run: bool = False, strategy: str = "CREATE_AND_UPDATE", reason: str = "",
                  payload_sha256: str | None = None) -> services.Outcome:  # fmt: skip
    """Imports `values` (DataValue, or dicts of its fields); the outcome counts imported, updated and ignored
    values, or lists every conflict with its row's index.
    `payload_sha256`: the hash of the body as received (else that of `values` as canonical JSON)."""
    if strategy not in STRATEGIES:
        raise InvalidInput(
            _("importStrategy “%(strategy)s” không hợp lệ."),
            params={"strategy": strategy},
            code="invalid_strategy",
        )
    regime = services.active_regime(code=regime_code)
    outcome, now = services.Outcome(), timezone.now()
    reports = _checked(actor, regime, _data_values(values), outcome)
    _lock(regime, reports, outcome, dry_run, now)
    new: dict[tuple[int, int, str], Block] = {}
    merged: dict[int, dict[str, str]] = {}
    changed: dict[int, list[bulk.Written]] = {}
    before: list[selectors.HeldCell] = []
    if not outcome.conflicts:
        new, merged, changed, before = _compare(reports, strategy, outcome)
    if outcome.conflicts:
        transaction.set_rollback(True)  # reports created to be locked are not kept
        outcome.conflicts.sort(key=lambda conflict: conflict["index"])
        outcome.imported = outcome.updated = 0
        return outcome
    if dry_run or not (new or merged or changed):
        return outcome
    digest = payload_sha256 or _digest(values)
    batch = _record(actor, regime, reports, strategy, reason, digest, outcome, now)
    bulk.copy_rows(ValueBlock, NEW_BLOCK, copy_from=1, rows=[
        [report, version, kind, block.values, block.cells, ObsStatus.OFFICIAL, True, now, actor.pk, batch.pk]
        for (report, version, kind), block in new.items()
    ])  # fmt: skip
    bulk.merge_cells(numbers=merged, meta={"s": ObsStatus.OFFICIAL.value, "t": now.isoformat(), "u": actor.pk,
                                           "b": batch.pk})  # fmt: skip
    _update(changed, before, batch, reason)
    return outcome


def _digest(values: Sequence[DataValue] | Sequence[Mapping[str, Any]]) -> str:
    canonical = json.dumps(
        msgspec.to_builtins(list(values)),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _data_values(values: Sequence[DataValue] | Sequence[Mapping[str, Any]]) -> Sequence[DataValue]:
    """The values as DataValue: the API's already are; dicts (callers in Python) are read by msgspec alike."""
    if set(map(type, values)) <= {DataValue}:  # one pass in C, not a generator's step per value
        return values  # type: ignore[return-value]
    try:
        return msgspec.convert(values, list[DataValue])
    except msgspec.ValidationError as error:
        raise InvalidInput(_("Dữ liệu gửi lên không hợp lệ."), code="validation_error", errors={
            "dataValues": [str(error)]}) from None  # fmt: skip


def _checked(
    actor: User, regime: Regime, values: Sequence[DataValue], outcome: services.Outcome
) -> dict[tuple[str, str], Report]:
    """One pass over the rows: each refused one becomes a conflict naming its index, the others are grouped
    by report. Rows that pass take a short path; a refused one is worked out again by services' checks, so
    each refusal's words are written once."""
    versions, statuses = selectors.row_versions(regime), services.OBS_STATUSES
    recipient = selectors.recipient_of(regime)
    codes = set(map(attrgetter("unit"), values))
    named = {recipient.code: recipient} | {
        unit.code: unit for unit in regime.reporters.filter(code__in=codes)
    }
    # The actor's reporting roles read once (selectors.may_enter reads them for each unit it is asked about).
    paths = tuple(
        assignment.unit.path
        for assignment in core_selectors.roles_in_force(actor, domain=Domain.REPORTING)
        if assignment.role in selectors.REPORTERS
    )
    places: dict[tuple[str, str], Report | dict[str, Any]] = {}  # (period, unit): its report, or why refused
    reports: dict[tuple[str, str], Report] = {}
    seen: set[tuple[Any, ...]] = set()  # rows of no lane (refused): a duplicate is named as such first
    numbers: dict[int, dict[Any, str | bool | None]] = {}  # version: {value as sent: as kept, False if bad}
    last: tuple[str, ...] = ()  # the previous row's period, unit, indicator and kind: most rows share them
    report: Report | None = None
    refusal: dict[str, Any] | None = None  # why the run's rows are refused, if they are
    lane: Lane | None = None
    # The run's lane as locals, read once per run rather than once per row (none: nothing takes the short path).
    allowed: Collection[str] = ()
    cells: dict[str, tuple[int, str | None]] = {}
    known: dict[Any, Any] = {}
    for index, item in enumerate(values):
        key = (item.period, item.unit, item.indicator, item.kind)
        if key != last:
            last, lane = key, None
            place = _report_of(actor, regime, named, paths, places, reports, key[:2])
            report, refusal = (place, None) if isinstance(place, Report) else (None, place)
            if report:
                kind = item.kind or PERIOD
                lane = report.lanes.get((item.indicator, kind)) or _lane(
                    report, versions, numbers, item.indicator, kind
                )
            allowed, cells, known = (lane.allowed, lane.cells, lane.numbers) if lane else ((), {}, {})
        if refusal is not None:
            outcome.conflicts.append({**refusal, "index": index, "object": item.indicator})
            continue
        breakdown = item.disaggregation
        # The short path: a plain value of a row and kind of the form, each cell once; anything else is
        # worked out by the full checks below.
        if (
            breakdown in allowed
            and breakdown not in cells
            and item.comment is None
            and item.obs_status is None
        ):
            raw = item.value
            text = known.get(raw, False)
            if text is False:
                text = known[raw] = _kept(lane.version, raw)  # type: ignore[union-attr]  # allowed is a lane's
            if text is not False:
                cells[breakdown] = (index, text)
                continue
        assert report is not None  # a run is either refused or of a report
        _full_checks(report, lane, item, index, versions, statuses, seen, outcome)
    return reports


def _report_of(actor: User, regime: Regime, named: dict[str, AdminUnit], paths: tuple[str, ...],
               places: dict[tuple[str, str], Report | dict[str, Any]], reports: dict[tuple[str, str], Report],
               where: tuple[str, str]) -> Report | dict[str, Any]:  # fmt: skip
    """The report of this period and unit, one however they were written, or why its rows are refused."""
    place = places.get(where)
    if place is None:
        place = _place(actor, regime, named, paths, where)
        if isinstance(place, Report):
            place = reports.setdefault((place.period.id, place.unit.code), place)
        places[where] = place
    return place


def _full_checks(place: Report, lane: Lane | None, item: DataValue, index: int,
                 versions: dict[str, IndicatorVersion], statuses: frozenset[str], seen: set[tuple[Any, ...]],
                 outcome: services.Outcome) -> None:  # fmt: skip
    """A row off the short path: a conflict naming it (a duplicate first), or one of the report's rows."""
    code, breakdown, kind = item.indicator, item.disaggregation, item.kind or PERIOD
    key = (id(place), code, breakdown, kind)
    if (lane and breakdown in lane.cells) or key in seen:
        message = services._said(_("Ô này xuất hiện hai lần trong cùng lần nhập."))
        outcome.conflicts.append({"index": index, "object": code, "property": "value", "errorCode": "duplicate",
                                  "message": message})  # fmt: skip
        return
    if lane:
        lane.cells[breakdown] = SLOW
    else:
        seen.add(key)
    status = item.obs_status or None
    checked: Decimal | bool | None = False
    if lane and breakdown in lane.allowed and (status is None or status in statuses):
        checked = _number(lane.version, item.value)
    if checked is False:
        conflict = services._checked(_cell(item, index), versions)[2]
        assert conflict is not None
        outcome.conflicts.append(conflict)
        return
    place.rows.append((index, code, versions.get(code), breakdown, kind, checked, item.comment, status))


def _lane(place: Report, versions: dict[str, IndicatorVersion], numbers: dict[int, dict[Any, Any]], code: str,
          kind: str) -> Lane | None:  # fmt: skip
    """The report's block for the form's row `code` and a typed `kind`, made on its first value (None: no such
    row or kind, each of its values then refused by the full checks)."""
    version = versions.get(code)
    if version is None or kind not in services.TYPED_KINDS:
        return None
    lane = place.lanes[(code, kind)] = Lane(version=version, allowed=services._breakdowns(version) | {""},
                                            numbers=numbers.setdefault(version.pk, {}))  # fmt: skip
    return lane


def _place(actor: User, regime: Regime, named: dict[str, AdminUnit], paths: tuple[str, ...],
           where: tuple[str, str]) -> Report | dict[str, Any]:  # fmt: skip
    """The report rows naming this period and unit go to, or the conflict each of them gets (`paths`: the
    units under which the actor may type values)."""
    try:
        period = selectors.period_of(regime, where[0])
    except InvalidInput as error:
        return {"property": "period", "errorCode": "invalid_period", "message": error.message}
    unit = named.get(where[1])
    if unit is None or not unit.path.startswith(paths):
        refusal = services._unit_for_entry(actor, unit, where[1])[1]
        return {"property": "unit", "errorCode": refusal[0], "message": refusal[1]}
    return Report(period=period, unit=unit)


def _number(version: IndicatorVersion, raw: Any) -> Decimal | bool | None:
    """The value as a number within the version's decimals and range (None: no value), False when it is not."""
    try:
        number = services.parse_number(None if raw is None else str(raw))
    except ValueError:
        return False
    if number is None:
        return None
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -version.decimals:
        return False
    if (version.minimum is not None and number < version.minimum) or (
        version.maximum is not None and number > version.maximum
    ):
        return False
    return number


def _kept(version: IndicatorVersion, raw: Any) -> str | bool | None:
    """The value as its block keeps it (bulk.number_text; None: no value), False when the version refuses it."""
    if type(raw) is str and raw.isascii() and raw.isdigit() and len(raw) < 19:  # a whole number: most values
        whole = int(raw)
        if (version.minimum is not None and whole < version.minimum) or (
            version.maximum is not None and whole > version.maximum
        ):
            return False
        return f"{whole}.0000"
    number = _number(version, raw)
    return bulk.number_text(number) if isinstance(number, Decimal) else number


def _cell(item: DataValue, index: int) -> services.Cell:
    return services.Cell(
        indicator=item.indicator,
        value=None if item.value is None else str(item.value),
        disaggregation=item.disaggregation,
        kind=item.kind or PERIOD,
        comment=item.comment,
        obs_status=item.obs_status,
        index=index,
    )


def _lock(regime: Regime, reports: dict[tuple[str, str], Report], outcome: services.Outcome, dry_run: bool,
          now: datetime) -> None:  # fmt: skip
    """Each report locked before its state and values are read (a concurrent save of it waits here), made
    first if it has none; each row of a report whose entry is locked gets a conflict saying why."""
    wanted = [report for report in reports.values() if report.rows or report.lanes]
    if not wanted:
        return
    if not dry_run:
        Submission.objects.bulk_create(
            [Submission(regime=regime, period=report.period.id, unit=report.unit) for report in wanted],
            ignore_conflicts=True,
        )
    units: dict[str, list[AdminUnit]] = {}  # by period: one condition each (an import names one or two)
    for report in wanted:
        units.setdefault(report.period.id, []).append(report.unit)
    which = Q()
    for period_id, named in units.items():
        which |= Q(period=period_id, unit__in=named)
    found = Submission.objects.filter(which, regime=regime).order_by("pk")  # locked in one order: no deadlock
    held = {(submission.period, submission.unit_id): submission for submission in
            (found if dry_run else found.select_for_update(of=("self",)))}  # fmt: skip
    for report in wanted:
        period, unit = report.period, report.unit
        report.submission = held.get((period.id, unit.pk))
        reason = selectors.entry_lock(regime, period, unit, report.submission, now)
        if reason:
            message = services._locked_message(reason, unit, period)
            outcome.conflicts.extend(
                {"index": index, "object": code, "property": "period", "errorCode": "entry_locked",
                 "message": message, "lockReason": reason}
                for index, code in report.indexes()
            )  # fmt: skip


@dataclass
class Block:
    """A new block an import makes: its numbers and its cells' differences from the block's columns."""

    values: dict[str, str] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)


def _compare(reports: dict[tuple[str, str], Report], strategy: str, outcome: services.Outcome) -> tuple[
    dict[tuple[int, int, str], Block], dict[int, dict[str, str]], dict[int, list[bulk.Written]], list[selectors.HeldCell]
]:  # fmt: skip
    """Each row against the value its cell holds: new values go into new blocks {(report, version, kind): Block}
    when their row has none yet, plain new values into the blocks already there {block: {breakdown: number}},
    the others (new with a comment or status in an existing block, or changed) are the cells to write into each
    report's blocks {report: cells}, then the values held of the changed cells; unchanged ones are ignored."""
    held = [report.submission.pk for report in reports.values() if report.submission and report.submission.pk]
    existing: dict[tuple[Any, ...], selectors.HeldCell] = {}
    blocks: dict[tuple[int, int, str], int] = {}
    for cell in selectors.held_cells(submissions=held) if held else []:
        existing[(cell.submission_id, cell.indicator_version_id, cell.disaggregation, cell.kind)] = cell
        blocks[(cell.submission_id, cell.indicator_version_id, cell.kind)] = cell.block_id
    new: dict[tuple[int, int, str], Block] = {}
    merged: dict[int, dict[str, str]] = {}
    changed: dict[int, list[bulk.Written]] = {}
    held_before: dict[int, list[selectors.HeldCell]] = {}
    for report in reports.values():
        report_id = report.submission.pk if report.submission else 0  # 0: a dry run's report not made
        _plain(report, report_id, blocks, existing, strategy, new, merged, outcome)
        for index, code, version, breakdown, kind, number, comment, status in report.rows:
            current = existing.get((report_id, version.pk, breakdown, kind))
            does, comment, status = services.verdict(current=current, number=number, comment=comment,
                                                     obs_status=status, strategy=strategy)  # fmt: skip
            if does == services.NEW:
                outcome.imported += 1
                key = (report_id, version.pk, kind)
                if key in blocks:  # a new cell of a block already there: written with every column of its own
                    changed.setdefault(report_id, []).append(
                        bulk.Written(
                            version.pk, kind, breakdown, number, comment, status, 1
                        )  # batch set by _update
                    )
                    continue
                block = new.get(key) or new.setdefault(key, Block())
                if number is not None:
                    block.values[breakdown] = bulk.number_text(number)
                meta = {"c": comment} if comment else {}
                if status != ObsStatus.OFFICIAL:
                    meta["s"] = status
                if meta or number is None:
                    block.cells[breakdown] = meta
            elif does == services.UPDATE:
                assert current is not None
                outcome.updated += 1
                changed.setdefault(report_id, []).append(bulk.Written(
                    version.pk, kind, breakdown, number, comment, status, current.revision + 1, current.batch_id
                ))  # fmt: skip
                held_before.setdefault(report_id, []).append(current)
            elif does in services.REFUSALS:
                message = services._said(services.REFUSALS[does])
                outcome.conflicts.append(
                    services.conflict(index=index, indicator=code, code=does, message=message)
                )
            else:  # IGNORED, UNCHANGED
                outcome.ignored += 1
    merged = {block: numbers for block, numbers in merged.items() if numbers}
    return new, merged, changed, [cell for cells in held_before.values() for cell in cells]


def _plain(report: Report, report_id: int, blocks: dict[tuple[int, int, str], int],
           existing: dict[tuple[Any, ...], selectors.HeldCell], strategy: str,
           new: dict[tuple[int, int, str], "Block"], merged: dict[int, dict[str, str]],
           outcome: services.Outcome) -> None:  # fmt: skip
    """A lane's plain values go into a new block as they are when its row has none yet, or into the block
    already there when their cell holds nothing (a report sent in several calls); the others join the
    report's rows, each to be compared with the value its cell holds."""
    for (code, kind), lane in report.lanes.items():
        if lane is None:
            continue
        version = lane.version
        key = (report_id, version.pk, kind)
        if strategy == "UPDATE":  # every value must find its cell held
            report.rows += [
                (index, code, version, breakdown, kind, None if text is None else Decimal(text), None, None)
                for breakdown, (index, text) in lane.cells.items() if index >= 0
            ]  # fmt: skip
            continue
        block = blocks.get(key)
        if block is not None:
            _into_held_block(
                report, report_id, lane, code, kind, existing, merged.setdefault(block, {}), outcome
            )
            continue
        numbers = (new.get(key) or new.setdefault(key, Block())).values
        texts = list(map(itemgetter(1), lane.cells.values()))
        empty = texts.count(None)  # cells given nothing, and those of the full checks' rows (SLOW)
        if not empty:
            numbers.update(zip(lane.cells, texts, strict=True))  # the common case, in C
        for breakdown, (index, text) in lane.cells.items() if empty else ():
            if text is not None:
                numbers[breakdown] = text
            elif index >= 0:
                outcome.ignored += 1  # an empty cell given nothing
        outcome.imported += len(texts) - empty


def _into_held_block(report: Report, report_id: int, lane: Lane, code: str, kind: str,
                     existing: dict[tuple[Any, ...], selectors.HeldCell], numbers: dict[str, str],
                     outcome: services.Outcome) -> None:  # fmt: skip
    """A lane's plain values for a block already there: those whose cell holds nothing are new (`numbers`),
    as services.verdict would say, the others join the report's rows to be compared."""
    version = lane.version
    for breakdown, (index, text) in lane.cells.items():
        if index < 0:
            continue
        if (report_id, version.pk, breakdown, kind) in existing:
            number = None if text is None else Decimal(text)
            report.rows.append((index, code, version, breakdown, kind, number, None, None))
        elif text is None:
            outcome.ignored += 1  # an empty cell given nothing
        else:
            numbers[breakdown] = text
            outcome.imported += 1


def _record(actor: User, regime: Regime, reports: dict[tuple[str, str], Report], strategy: str, reason: str,
            digest: str, outcome: services.Outcome, now: datetime) -> ImportBatch:  # fmt: skip
    """The batch's row and its one event: what the import did, in the hash-chained log."""
    batch = ImportBatch.objects.create(
        regime=regime, actor=actor, created_at=now, channel=CHANNEL, strategy=strategy, reason=reason,
        payload_sha256=digest, imported=outcome.imported, updated=outcome.updated, ignored=outcome.ignored,
    )  # fmt: skip
    touched = sorted(report.submission.pk for report in reports.values()
                     if report.submission and (report.rows or report.lanes))  # fmt: skip
    payload = {"regime": regime.code, "channel": CHANNEL, "strategy": strategy, "reason": reason, "sha256": digest,
               "imported": outcome.imported, "updated": outcome.updated, "ignored": outcome.ignored,
               "submissions": touched}  # fmt: skip
    # Nobody else can write the chain of a batch this transaction has just made: no savepoint needed.
    event = record_event(
        subject=batch, action=events.VALUES_IMPORTED, actor=actor, payload=payload, locked=True
    )
    assert event.seq == bulk.BATCH_EVENT_SEQ
    return batch


def _update(changed: dict[int, list[bulk.Written]], before: list[selectors.HeldCell], batch: ImportBatch,
            reason: str) -> None:  # fmt: skip
    """Cells written into blocks already there: the new ones carry the batch, the changed ones a revision row
    each (and their first one, if its batch stood for it)."""
    if not changed:
        return
    revisions = bulk.first_revisions(before)
    now, actor = batch.created_at, batch.actor_id
    for report, cells in changed.items():
        cells = [cell if cell.revision > 1 else cell._replace(batch_id=batch.pk) for cell in cells]
        blocks = bulk.write_cells(report=report, cells=cells, at=now, author=actor, batch=batch.pk)
        revisions += [
            [blocks[(cell.indicator_version_id, cell.kind)], cell.disaggregation, cell.revision, cell.value,
             cell.comment, cell.obs_status, CHANNEL, reason, now, actor, bulk.BATCH_EVENT_SEQ, batch.pk]
            for cell in cells if cell.revision > 1
        ]  # fmt: skip
    bulk.insert_rows(ValueRevision, bulk.REVISION, revisions)
