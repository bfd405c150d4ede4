"""Entry: saving values (unchanged re-saves record nothing), the dataValueSets-like import (dryRun, strategy,
summary, conflicts with row indexes, all or nothing, idempotent) and locks that state their reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tinhso.core.errors import Conflict, InvalidInput
from tinhso.core.models import Domain, Event
from tinhso.core.selectors import verify_event_log
from tinhso.core.services import next_event
from tinhso.reporting import bulk, imports, selectors, services, setup, sql
from tinhso.reporting.models import (
    FormRow,
    ImportBatch,
    IndicatorVersion,
    Regime,
    Submission,
    ValueBlock,
    ValueRevision,
)

from .conftest import AN_XUYEN, FINANCE, JUSTICE, cells, one_cell
from .conftest import cells as held_cells

pytestmark = pytest.mark.django_db


def _rows(unit=JUSTICE, period="2026M03", **values):
    return [
        {"indicator": code, "period": period, "unit": unit, "value": value} for code, value in values.items()
    ]


def test_import_summary_counts_imported_updated_ignored_and_is_idempotent(regime, cast):
    first = imports.import_values(
        actor=cast.justice, regime_code=regime, values=_rows(DNMOI="12", HSTN="340", HSTT="150")
    )
    assert (first.imported, first.updated, first.ignored, first.conflicts) == (3, 0, 0, [])
    again = imports.import_values(
        actor=cast.justice, regime_code=regime, values=_rows(DNMOI="12", HSTN="340", HSTT="150")
    )
    assert (again.imported, again.updated, again.ignored) == (0, 0, 3)
    changed = imports.import_values(
        actor=cast.justice, regime_code=regime, values=_rows(DNMOI="13", HSTN="340")
    )
    assert (changed.imported, changed.updated, changed.ignored) == (0, 1, 1)
    value = one_cell(code="DNMOI")
    assert value.revision == 2
    # Each import that wrote is one batch with one event on its own chain; the one that changed nothing, none.
    batches = list(ImportBatch.objects.order_by("pk"))
    assert [(batch.imported, batch.updated, batch.ignored) for batch in batches] == [(3, 0, 0), (0, 1, 1)]
    assert value.batch_id == batches[0].pk and batches[1].payload_sha256 == imports._digest(
        _rows(DNMOI="13", HSTN="340")
    )
    recorded = [Event.objects.get(stream=f"reporting.importbatch:{batch.pk}") for batch in batches]
    assert [(event.seq, event.action) for event in recorded] == [(1, "reporting.values_imported")] * 2
    assert recorded[1].payload["submissions"] == [Submission.objects.get().pk]
    assert recorded[1].payload["sha256"] == batches[1].payload_sha256
    assert not Event.objects.filter(action="reporting.values_saved").exists()
    # The first value's revision 1 was its batch until it changed; then it was kept as a row beside revision 2.
    kept = ValueRevision.objects.filter(block_id=value.block_id, disaggregation="").order_by("revision")
    assert [(r.revision, r.value, r.batch_id) for r in kept] == [
        (1, 12, batches[0].pk),
        (2, 13, batches[1].pk),
    ]
    assert ValueRevision.objects.count() == 2  # HSTN and HSTT have none: their batch stands for revision 1


def test_re_saving_an_unchanged_value_records_nothing(regime, cast):
    services.save_values(
        actor=cast.justice,
        regime_code=regime,
        period_id="2026M03",
        unit_code=JUSTICE,
        cells=[services.Cell("DNMOI", "12")],
    )
    events, revisions = Event.objects.count(), ValueRevision.objects.count()
    services.save_values(
        actor=cast.justice,
        regime_code=regime,
        period_id="2026M03",
        unit_code=JUSTICE,
        cells=[services.Cell("DNMOI", "12,0")],
    )
    assert (Event.objects.count(), ValueRevision.objects.count()) == (events, revisions)


def test_each_saved_change_is_one_event_on_the_chain_with_its_revision(regime, cast):
    for typed in ("12", "13", "13", "14"):
        services.save_values(actor=cast.justice, regime_code=regime, period_id="2026M03", unit_code=JUSTICE,
                             cells=[services.Cell("DNMOI", typed), services.Cell("HSTN", "340")])  # fmt: skip
    submission = Submission.objects.get()
    saved = list(Event.objects.filter(stream=f"reporting.submission:{submission.pk}", action="reporting.values_saved")
                 .order_by("seq").values_list("seq", "payload"))  # fmt: skip
    assert [payload["changes"] for _seq, payload in saved] == [
        [["DNMOI", "", "period", None, "12"], ["HSTN", "", "period", None, "340"]],
        [["DNMOI", "", "period", "12", "13"]],
        [["DNMOI", "", "period", "13", "14"]],
    ]
    revisions = ValueRevision.objects.filter(block__indicator_version__indicator__code="DNMOI")
    assert list(revisions.order_by("revision").values_list("revision", "value", "event_seq")) == [
        (1, 12, saved[0][0]), (2, 13, saved[1][0]), (3, 14, saved[2][0]),
    ]  # fmt: skip
    assert one_cell(code="DNMOI").revision == 3
    assert not verify_event_log()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite saves through the ORM alone")
def test_a_save_read_before_another_writer_committed_writes_nothing(regime, cast):
    services.save_values(actor=cast.justice, regime_code=regime, period_id="2026M03", unit_code=JUSTICE,
                         cells=[services.Cell("DNMOI", "12")])  # fmt: skip
    value = one_cell()
    head = Event.objects.filter(stream=f"reporting.submission:{value.submission_id}").order_by("-seq").first()
    # Built on the head's predecessor, as a read taken before the head was committed would build it.
    stale = next_event(Event(stream=head.stream, seq=head.seq - 1, hash=head.prev_hash), action="reporting.values_saved",
                       actor=cast.justice, payload={"changes": []})  # fmt: skip
    with transaction.atomic():
        written = sql.save_values(event=stale, report=value.submission_id, channel="ui", reason="",
                                  cells=[bulk.Written(value.indicator_version_id, "period", "", Decimal(99), "", "A", 2)])  # fmt: skip
    assert not written
    assert (Event.objects.filter(stream=head.stream).count(), ValueRevision.objects.count()) == (head.seq, 1)
    assert one_cell().value == 12


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the save's one read is PostgreSQL's")
def test_the_saves_one_read_gives_each_cell_as_held_cells_does(regime, cast):
    """The save's statement reads the cells itself: in selectors.HeldCell's shape, field for field."""
    imports.import_values(actor=cast.justice, regime_code=regime, values=_rows(DNMOI="12"))
    services.save_values(actor=cast.justice, regime_code=regime, period_id="2026M03", unit_code=JUSTICE,
                         cells=[services.Cell("HSTN", "340", comment="theo sổ", obs_status="P")])  # fmt: skip
    found = sql.report_for_entry(regime=regime, period="2026M03", unit=JUSTICE, actor=cast.justice.pk,
                                 today=timezone.localdate(), domains=(Domain.REPORTING, Domain.ALL),
                                 cells=[("DNMOI", "", "period"), ("HSTN", "", "period")])  # fmt: skip
    report = Submission.objects.get()
    assert found is not None and (found[0].report_id, found[0].status) == (report.pk, report.status)
    read = sorted(map(selectors.HeldCell._make, found[1]), key=lambda cell: cell.id)
    held = selectors.held_cells(submission=report.pk)
    assert read == sorted(held, key=lambda cell: cell.id)
    assert [(cell.code, cell.comment, cell.obs_status, bool(cell.batch_id)) for cell in read] == [
        ("DNMOI", "", "A", True), ("HSTN", "theo sổ", "P", False),
    ]  # fmt: skip


def test_dry_run_reports_the_summary_and_writes_nothing(regime, cast):
    outcome = imports.import_values(
        actor=cast.justice, regime_code=regime, values=_rows(DNMOI="12"), dry_run=True
    )
    assert outcome.imported == 1
    assert not cells() and not Submission.objects.exists()


def test_strategies_create_and_update(regime, cast):
    imports.import_values(actor=cast.justice, regime_code=regime, values=_rows(DNMOI="12"))
    create = imports.import_values(
        actor=cast.justice, regime_code=regime, values=_rows(DNMOI="13"), strategy="CREATE"
    )
    assert create.conflicts[0]["errorCode"] == "exists"
    update = imports.import_values(
        actor=cast.justice, regime_code=regime, values=_rows(HSTN="5"), strategy="UPDATE"
    )
    assert update.conflicts[0]["errorCode"] == "not_found"
    assert one_cell().value == 12


def test_ten_thousand_values_with_one_bad_row_write_nothing_and_name_the_row(regime, cast):
    # One indicator with 2,000 breakdowns, its period value and plan, for three units: 10,000 cells.
    services.define_indicator(
        actor=None, code="DNMOI", disaggregations=[[f"x{n}", f"Phân tổ {n}"] for n in range(2000)]
    )
    FormRow.objects.filter(indicator_version__indicator__code="DNMOI").update(
        indicator_version=IndicatorVersion.objects.get(indicator__code="DNMOI", version=2)
    )
    cells = [
        {"indicator": "DNMOI", "disaggregation": f"x{n}", "period": "2026M03", "kind": kind, "value": str(n)}
        for kind in ("period", "plan")
        for n in range(2000)
    ]
    rows = [dict(cell, unit=JUSTICE) for cell in cells] + [dict(cell, unit=FINANCE) for cell in cells]
    rows += [dict(cell, unit=AN_XUYEN) for cell in cells[:2000]]
    assert len(rows) == 10000
    bad = 7321
    rows[bad]["value"] = "12 tỷ"
    actor = official_for_all(cast)
    outcome = imports.import_values(actor=actor, regime_code=regime, values=rows)
    assert [(c["index"], c["errorCode"]) for c in outcome.conflicts] == [(bad, "not_a_number")]
    assert "12 tỷ" in outcome.conflicts[0]["message"]
    assert not held_cells() and not Event.objects.filter(action="reporting.values_saved").exists()
    rows[bad]["value"] = "7"
    outcome = imports.import_values(actor=actor, regime_code=regime, values=rows)
    assert (outcome.imported, outcome.conflicts) == (10000, [])
    assert len(held_cells()) == 10000


def official_for_all(cast):
    from tinhso.core.models import Role
    from tinhso.core.services import assign_role

    for unit in (FINANCE, AN_XUYEN):
        assign_role(actor=None, user=cast.justice, role=Role.REPORTING_OFFICER, unit_code=unit)
    return cast.justice


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"indicator": "KHONGCO", "value": "1"}, "unknown_indicator"),
        ({"indicator": "DNMOI", "value": "1,5"}, "too_many_decimals"),
        ({"indicator": "DNMOI", "value": "-3"}, "out_of_range"),
        ({"indicator": "DNMOI", "value": "1", "period": "2026Q1"}, "invalid_period"),
        ({"indicator": "DNMOI", "value": "1", "unit": FINANCE}, "not_a_reporter"),
        ({"indicator": "DNMOI", "value": "1", "unit": "31825"}, "unknown_unit"),
        ({"indicator": "DNMOI", "value": "1", "disaggregation": "nn"}, "unknown_disaggregation"),
        ({"indicator": "DNMOI", "value": "1", "kind": "pct_yoy"}, "computed_value"),
    ],
)
def test_each_bad_row_gets_a_conflict_naming_it(regime, cast, row, code):
    good = _rows(HSTN="10")[0]
    outcome = imports.import_values(actor=cast.justice, regime_code=regime, values=[good, {**good, **row}])
    assert [(c["index"], c["errorCode"]) for c in outcome.conflicts] == [(1, code)]
    assert not cells()


def test_locks_state_their_reason(regime, cast, clock):
    clock.set(2026, 3, 10)  # before the cut-off of 2026M03 (14/03)
    outcome = imports.import_values(actor=cast.justice, regime_code=regime, values=_rows(DNMOI="1"))
    assert "chưa đến ngày chốt số liệu" in outcome.conflicts[0]["message"]
    clock.set(2026, 4, 10)  # deadline 17/03 + 10 days of grace passed
    outcome = imports.import_values(actor=cast.justice, regime_code=regime, values=_rows(DNMOI="1"))
    assert "quá thời hạn" in outcome.conflicts[0]["message"]
    services.grant_lock_exception(actor=cast.leader, regime_code=regime, period_id="2026M03", unit_code=JUSTICE,
                                  expires_at=clock.now + timedelta(days=2), reason="Sở bổ sung số liệu tháng 3")  # fmt: skip
    assert (
        imports.import_values(actor=cast.justice, regime_code=regime, values=_rows(DNMOI="1")).imported == 1
    )
    clock.set(2026, 4, 13)
    outcome = imports.import_values(actor=cast.justice, regime_code=regime, values=_rows(DNMOI="2"))
    assert "mở khóa" in outcome.conflicts[0]["message"]
    with pytest.raises(Conflict) as refused:
        services.save_narrative(
            actor=cast.justice,
            regime_code=regime,
            period_id="2026M03",
            unit_code=JUSTICE,
            section="1",
            text="...",
        )
    assert refused.value.extra["reason"] == "exception_expired"


def test_narrative_sections_follow_the_outline(regime, cast):
    submission = services.save_narrative(actor=cast.justice, regime_code=regime, period_id="2026M03", unit_code=JUSTICE,
                                         section="1", text="Tình hình ổn định.")  # fmt: skip
    assert submission.narrative == {"1": "Tình hình ổn định."}
    assert setup.OUTLINE[0]["code"] == "1"


def test_a_large_import_keeps_every_value_and_its_first_revision(cast, clock):
    """A block of 300 cells: every value kept, its batch standing for revision 1 until it changes."""
    services.define_indicator(
        actor=None, code="DNMOI", disaggregations=[[f"x{n}", f"Nhóm {n}"] for n in range(300)]
    )
    setup.define_monthly_report(reporters=[JUSTICE, FINANCE, AN_XUYEN])
    values = [
        {
            "indicator": "DNMOI",
            "disaggregation": f"x{n}",
            "period": "2026M03",
            "unit": JUSTICE,
            "value": str(n),
        }
        for n in range(300)
    ]
    outcome = imports.import_values(actor=cast.justice, regime_code=setup.REGIME, values=values)
    assert (outcome.imported, outcome.conflicts) == (300, [])
    kept = {value.disaggregation: value for value in cells(code="DNMOI")}
    assert len(kept) == 300 and kept["x299"].value == 299 and kept["x299"].revision == 1
    batch = ImportBatch.objects.get()
    assert {value.batch_id for value in kept.values()} == {batch.pk} and not ValueRevision.objects.exists()
    assert (kept["x150"].value, batch.channel, kept["x150"].changed_by_id) == (150, "api", cast.justice.pk)
    assert kept["x150"].changed_at == batch.created_at
    assert kept["x150"].public and kept["x150"].obs_status == "A"  # columns left to their defaults
    values[299]["value"] = "1000"
    again = imports.import_values(actor=cast.justice, regime_code=setup.REGIME, values=values)
    assert (again.imported, again.updated, again.ignored) == (0, 1, 299)
    revised = ValueRevision.objects.filter(block_id=kept["x299"].block_id, disaggregation="x299")
    assert revised.get(revision=2).value == 1000 and revised.get(revision=1).value == 299
    assert one_cell(code="DNMOI", disaggregation="x299").revision == 2


def test_a_report_sent_in_two_calls_adds_the_second_calls_cells_to_its_blocks(cast, clock):
    """The second call's values land in the blocks the first made: new cells carry their own batch, a cell
    already held is compared, an empty one is ignored; a later change keeps the second batch as revision 1."""
    services.define_indicator(
        actor=None, code="DNMOI", disaggregations=[[f"x{n}", f"Nhóm {n}"] for n in range(300)]
    )
    setup.define_monthly_report(reporters=[JUSTICE, FINANCE, AN_XUYEN])
    values = [{"indicator": "DNMOI", "disaggregation": f"x{n}", "period": "2026M03", "unit": JUSTICE,
               "value": str(n)} for n in range(300)]  # fmt: skip
    first = imports.import_values(actor=cast.justice, regime_code=setup.REGIME, values=values[:100])
    clock.set(2026, 3, 16, 9, 5)
    rest = [{**values[50], "value": "5000"}, values[60], *values[100:299], {**values[299], "value": None}]
    second = imports.import_values(actor=cast.justice, regime_code=setup.REGIME, values=rest)
    assert (first.imported, second.imported, second.updated, second.ignored) == (100, 199, 1, 2)
    batches = list(ImportBatch.objects.order_by("pk"))
    kept = {cell.disaggregation: cell for cell in cells(code="DNMOI")}
    assert len(kept) == 299 and ValueBlock.objects.count() == 1 and "x299" not in kept
    assert [(kept[name].value, kept[name].revision, kept[name].batch_id) for name in ("x10", "x50", "x150")] == [
        (10, 1, batches[0].pk), (5000, 2, batches[0].pk), (150, 1, batches[1].pk),
    ]  # fmt: skip
    assert (kept["x150"].changed_at, kept["x150"].changed_by_id) == (batches[1].created_at, cast.justice.pk)
    assert (kept["x150"].comment, kept["x150"].obs_status, kept["x150"].public) == ("", "A", True)
    assert kept["x10"].changed_at == batches[0].created_at != batches[1].created_at
    again = imports.import_values(actor=cast.justice, regime_code=setup.REGIME, values=rest)
    assert (again.imported, again.updated, again.ignored) == (0, 0, 202)
    clock.set(2026, 3, 16, 9, 10)
    changed = imports.import_values(actor=cast.justice, regime_code=setup.REGIME,
                                    values=[{**values[150], "value": "7"}])  # fmt: skip
    assert changed.updated == 1
    revised = ValueRevision.objects.filter(disaggregation="x150").order_by("revision")
    assert [(r.revision, r.value, r.batch_id, r.changed_at) for r in revised] == [
        (1, 150, batches[1].pk, batches[1].created_at), (2, 7, ImportBatch.objects.latest("pk").pk, timezone.now()),
    ]  # fmt: skip


def _one_value(cast) -> selectors.HeldCell:
    services.save_values(actor=cast.justice, regime_code=setup.REGIME, period_id="2026M03", unit_code=JUSTICE,
                         cells=[services.Cell("DNMOI", "12")])  # fmt: skip
    return one_cell()


def _refused(write) -> None:
    """`write` breaks a reference: refused by the time the transaction's constraints are checked."""
    with pytest.raises(IntegrityError), transaction.atomic():
        write()
        connection.check_constraints()


def test_a_block_or_revision_naming_a_missing_row_is_refused(regime, cast):
    value = _one_value(cast)
    block = ValueBlock.objects.get()
    columns = {"submission_id": value.submission_id, "indicator_version_id": value.indicator_version_id,
               "kind": "plan", "values": {"": "1"}, "changed_at": value.changed_at, "changed_by_id": cast.justice.pk}  # fmt: skip
    for name in ("submission_id", "indicator_version_id", "changed_by_id", "batch_id"):
        _refused(lambda name=name: ValueBlock.objects.create(**{**columns, name: 10**9}))
    _refused(lambda: ValueBlock.objects.filter(pk=block.pk).update(submission_id=10**9))
    revision = {"block_id": block.pk, "disaggregation": "", "revision": 2, "value": 1, "obs_status": "A",
                "channel": "api", "changed_at": value.changed_at, "changed_by_id": cast.justice.pk, "event_seq": 1}  # fmt: skip
    for name in ("block_id", "changed_by_id", "batch_id"):
        _refused(lambda name=name: ValueRevision.objects.create(**{**revision, name: 10**9}))
    ValueBlock.objects.create(**columns, batch=_batch(cast))  # the same columns, whole, go in
    ValueRevision.objects.create(**revision)
    connection.check_constraints()


def _batch(cast) -> ImportBatch:
    return ImportBatch.objects.create(regime=Regime.objects.get(), actor=cast.justice, created_at=timezone.now(),
                                      channel="api", strategy="CREATE", payload_sha256="0" * 64)  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL column's compression")
def test_blocks_are_compressed_by_lz4_where_the_server_has_it(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cursor.fetchone()[0]:
            pytest.skip("this server has no lz4")
        cursor.execute("SELECT attname, attcompression FROM pg_attribute WHERE attrelid = "
                       "'reporting_valueblock'::regclass AND attname IN ('values', 'cells') ORDER BY attname")  # fmt: skip
        assert cursor.fetchall() == [("cells", "l"), ("values", "l")]


def test_a_row_still_referred_to_cannot_be_deleted(regime, cast):
    value = _one_value(cast)
    for rows in (Submission.objects.filter(pk=value.submission_id), ValueBlock.objects.filter(pk=value.block_id),
                 IndicatorVersion.objects.filter(pk=value.indicator_version_id)):  # fmt: skip
        _refused(lambda rows=rows: rows._raw_delete(rows.db))
    ValueRevision.objects.filter(block_id=value.block_id).delete()
    ValueBlock.objects.filter(pk=value.block_id).delete()  # once nothing refers to it
    batch = _batch(cast)
    ValueBlock.objects.filter(pk=_one_value(cast).block_id).update(batch=batch)
    batches = ImportBatch.objects.filter(pk=batch.pk)
    _refused(lambda: batches._raw_delete(batches.db))


def test_an_import_runs_with_the_cyclic_collector_off_and_turns_it_back_on(regime, cast, monkeypatch):
    import gc

    seen = []
    checked = imports._checked
    monkeypatch.setattr(imports, "_checked", lambda *args: seen.append(gc.isenabled()) or checked(*args))
    assert (
        imports.import_values(actor=cast.justice, regime_code=regime, values=_rows(DNMOI="12")).imported == 1
    )
    with pytest.raises(InvalidInput):
        imports.import_values(
            actor=cast.justice, regime_code=regime, values=_rows(DNMOI="x"), strategy="MERGE"
        )
    assert seen == [False] and gc.isenabled()


@given(
    raw=st.from_regex(r"[0-9]{1,22}", fullmatch=True)
    | st.sampled_from(["", " 12", "+7", "1.5", "1,5", "١٢"]),
    bound=st.none() | st.integers(min_value=0, max_value=10**6),
)
def test_a_whole_number_is_kept_as_the_general_parsing_keeps_it(raw, bound):
    """The import's short cut for whole numbers: the same text, the same refusal, as the number parsed."""
    version = IndicatorVersion(decimals=0, minimum=bound, maximum=None if bound is None else bound * 2)
    number = imports._number(version, raw)
    expected = bulk.number_text(number) if isinstance(number, Decimal) else number
    assert imports._kept(version, raw) == expected
