"""Migration 0005: a database holding values as rows (typed, imported, revised, a comment without a value, a
breakdown, a plan) reads the same through held_cells once they are blocks, revisions included, and back.
Migration 0006: reports approved before shares of the totals were kept are marked for the fold, which records
their share as counted (their approval had added it) without adding it twice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tinhso.core import selectors as core_selectors
from tinhso.reporting import lineage, selectors, services
from tinhso.reporting.models import (
    Contribution,
    FoldMark,
    ImportBatch,
    IndicatorVersion,
    Regime,
    Status,
    Submission,
    ValueRevision,
)

from .conftest import FINANCE, JUSTICE

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = ("reporting", "0004_import_batches")
BLOCKS = ("reporting", "0005_value_blocks")
CONTRIBUTIONS = ("reporting", "0006_contributions")


@pytest.fixture(autouse=True)
def _units(reference_data):
    """A transactional test runs after others' flushes: the units their data migrations made are loaded again."""


@pytest.fixture(autouse=True)
def _latest_after():
    """Each test here leaves the schema at its latest migration, where the tests after it expect it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state(target).apps


def _as_rows(apps) -> set[tuple]:
    DataValue = apps.get_model("reporting", "DataValue")
    return {
        (row.submission_id, row.indicator_version_id, row.disaggregation, row.kind, row.value, row.comment,
         row.obs_status, row.public, row.revision, row.changed_by_id, row.batch_id, row.changed_at)
        for row in DataValue.objects.all()
    }  # fmt: skip


def test_rows_become_blocks_read_the_same_with_their_revisions_and_back(regime, cast):
    justice = Submission.objects.create(regime=Regime.objects.get(), period="2026M03",
                                        unit=core_selectors.unit_by_code(JUSTICE))  # fmt: skip
    finance = Submission.objects.create(regime=Regime.objects.get(), period="2026M03",
                                        unit=core_selectors.unit_by_code(FINANCE))  # fmt: skip
    batch = ImportBatch.objects.create(regime=Regime.objects.get(), actor=cast.justice, created_at=timezone.now(),
                                       channel="api", strategy="CREATE", reason="cũ", payload_sha256="0" * 64)  # fmt: skip
    version = {
        code: IndicatorVersion.objects.get(indicator__code=code).pk for code in ("DNMOI", "HSTN", "BLHH")
    }
    apps = _migrate(ROWS)
    DataValue = apps.get_model("reporting", "DataValue")
    Revision = apps.get_model("reporting", "ValueRevision")
    now = timezone.now()
    later = now + timedelta(hours=2)

    def row(report, code, value, **columns):
        columns = {"disaggregation": "", "kind": "period", "comment": "", "obs_status": "A", "public": True,
                   "revision": 1, "changed_at": now, "changed_by_id": cast.justice.pk, **columns}  # fmt: skip
        return DataValue.objects.create(submission_id=report.pk, indicator_version_id=version[code],
                                        value=None if value is None else Decimal(value), **columns)  # fmt: skip

    def revision(value, number, at, **columns):
        columns = {
            "comment": "",
            "obs_status": "A",
            "channel": "ui",
            "changed_by_id": cast.justice.pk,
            **columns,
        }
        Revision.objects.create(data_value=value, revision=number, value=value.value if number == value.revision
                                else Decimal(1), changed_at=at, event_seq=number, **columns)  # fmt: skip

    typed = row(justice, "DNMOI", "12")
    revision(typed, 1, now)
    revised = row(justice, "HSTN", "340.5", revision=2, comment="theo sổ", obs_status="P", changed_at=later,
                  changed_by_id=cast.finance.pk)  # fmt: skip
    revision(revised, 1, now)
    revision(revised, 2, later, comment="theo sổ", obs_status="P", changed_by_id=cast.finance.pk)
    row(justice, "HSTN", None, kind="plan", comment="chưa có số")  # a comment, no value
    for breakdown, number in (("", "7"), ("nn", "8")):
        row(finance, "DNMOI", number, disaggregation=breakdown, batch_id=batch.pk, obs_status="E")
    row(finance, "BLHH", "99", public=False, batch_id=batch.pk)
    before = _as_rows(apps)
    assert len(before) == 6

    _migrate(BLOCKS)
    held = {
        (cell.submission_id, cell.indicator_version_id, cell.disaggregation, cell.kind, cell.value, cell.comment,
         cell.obs_status, cell.public, cell.revision, cell.changed_by_id, cell.batch_id, cell.changed_at)
        for cell in selectors.held_cells()
    }  # fmt: skip
    assert held == before
    cell = {(c.code, c.kind): c for c in selectors.held_cells(submission=justice.pk)}[("HSTN", "period")]
    kept = ValueRevision.objects.filter(block_id=cell.block_id, disaggregation="").order_by("revision")
    assert [(r.revision, r.value, r.comment) for r in kept] == [(1, 1, ""), (2, Decimal("340.5"), "theo sổ")]
    assert lineage.as_of(justice, now)["HSTN"] == (1, "A", 1)  # as published before its change
    assert lineage.as_of(justice, later)["HSTN"] == (Decimal("340.5"), "P", 2)
    assert lineage.as_of(finance, now)["DNMOI.nn"] == (
        8,
        "E",
        1,
    )  # an imported value: its batch is revision 1

    apps = _migrate(ROWS)
    assert _as_rows(apps) == before
    back = apps.get_model("reporting", "ValueRevision").objects.filter(data_value__revision=2)
    assert sorted(back.values_list("revision", flat=True)) == [1, 2]
    _migrate(BLOCKS)
    assert len(selectors.held_cells()) == 6


def test_reports_approved_before_shares_were_kept_are_marked_for_the_fold_and_counted_once(regime, cast):
    for actor, unit, number in ((cast.justice, JUSTICE, "5"), (cast.finance, FINANCE, "7")):
        services.save_values(actor=actor, regime_code=regime, period_id="2026M03", unit_code=unit,
                             cells=[services.Cell("DNMOI", number)])  # fmt: skip
    approved = Submission.objects.get(unit__code=JUSTICE)
    Submission.objects.filter(pk=approved.pk).update(status=Status.APPROVED)
    found = Regime.objects.get(code=regime)
    province = core_selectors.unit_by_code("96")
    # Its approval added it to the totals, as every approval did before 0006.
    services.rebuild_totals(regime=found, period_id="2026M03", unit=approved.unit)
    _migrate(BLOCKS)

    marked = _migrate(CONTRIBUTIONS).get_model("reporting", "Contribution").objects
    assert list(marked.values_list("submission_id", "cells", "pending")) == [(approved.pk, None, True)]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert list(FoldMark.objects.values_list("submission_id", flat=True)) == [approved.pk]  # 0008: its mark
    assert services.fold_totals() == 1 and services.fold_totals() == 0
    assert selectors.kept_totals(found, "2026M03", province) == {"DNMOI": 5}  # not added twice
    version = IndicatorVersion.objects.get(indicator__code="DNMOI").pk
    (share,) = Contribution.objects.values_list("cells", flat=True)
    assert {key: Decimal(value) for key, value in share.items()} == {f"{version}:": 5}
    assert not FoldMark.objects.exists()
    approved.refresh_from_db()
    services.return_report(
        actor=cast.leader, submission_id=approved.pk, version=approved.version, reason="Sai"
    )
    services.fold_totals()  # as the job queued by the return's commit (if the return did not fold it at once)
    assert selectors.kept_totals(found, "2026M03", province) == {}  # taken away as the fold recorded it
