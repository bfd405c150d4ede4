"""Approvals, returns and folds of the kept totals racing one another on PostgreSQL, one connection per thread:
each approved report counted once, every share folded, the totals equal to a rebuild from every approved value.
SQLite serialises every writer, so there is nothing to race there."""

import threading

import pytest

from tinhso.core.selectors import unit_by_code
from tinhso.reporting import selectors, services, tasks
from tinhso.reporting.models import Aggregate, FoldMark, Status, Submission
from tinhso.testing.concurrency import POSTGRES_RACES, run_together, settle

from .conftest import AN_XUYEN, FINANCE, JUSTICE

pytestmark = POSTGRES_RACES
BLANK = {"HSTN": "", "HSTT": "", "HSDH": "", "PAHT": "", "CPI": "", "BLHH": ""}


@pytest.fixture(autouse=True)
def _units(reference_data):
    """The database is emptied after each of these tests: the units come back first."""


def _accepted(regime, cast, officer, unit, number):
    cells = [services.Cell(code, value) for code, value in {**BLANK, "DNMOI": str(number)}.items()]
    services.save_values(actor=officer, regime_code=regime, period_id="2026M03", unit_code=unit, cells=cells)
    report = Submission.objects.get(unit__code=unit, period="2026M03")
    report = services.submit(actor=officer, submission_id=report.pk, version=report.version)
    return services.accept(actor=cast.leader, submission_id=report.pk, version=report.version)


def _kept(regime):
    rows = Aggregate.objects.filter(period="2026M03").values_list(
        "unit_id", "indicator_version_id", "disaggregation", "value", "children"
    )
    found = selectors.regime_by_code(regime)
    return selectors.kept_totals(found, "2026M03", found.recipient), sorted(rows)


def test_approvals_and_returns_racing_folds_count_each_approved_report_once(regime, cast, clock):
    reports = [
        _accepted(regime, cast, officer, unit, number)
        for officer, unit, number in ((cast.justice, JUSTICE, 5), (cast.finance, FINANCE, 7), (cast.commune, AN_XUYEN, 11))
    ]  # fmt: skip

    def approve(report):
        return lambda: services.approve(actor=cast.leader, submission_id=report.pk, version=report.version)

    approved = run_together(
        *[approve(report) for report in reports], services.fold_totals, services.fold_totals
    )
    assert all(not isinstance(outcome, Exception) for outcome in approved), approved
    services.fold_totals()  # what the folds racing the approvals left, as the job queued by their commits does
    assert not FoldMark.objects.exists()
    totals, rows = _kept(regime)
    assert totals["DNMOI"] == 5 + 7 + 11
    services.rebuild_totals(
        regime=selectors.regime_by_code(regime), period_id="2026M03", unit=unit_by_code(JUSTICE)
    )
    assert _kept(regime) == (totals, rows)

    def send_back(report):
        return lambda: services.return_report(
            actor=cast.leader, submission_id=report.pk, version=report.version, reason="Xem lại"
        )

    done = [outcome for outcome in approved[:3]]
    returned = run_together(*[send_back(report) for report in done[:2]], services.fold_totals)
    assert all(not isinstance(outcome, Exception) for outcome in returned), returned
    services.fold_totals()
    assert _kept(regime)[0]["DNMOI"] == 11
    assert Submission.objects.filter(status=Status.APPROVED).count() == 1


def test_a_return_is_not_held_up_by_a_fold_holding_its_report(regime, cast, clock):
    """An approval or return marks its report with a row of its own: it commits while a fold holds the report's
    share, and the next fold takes the report away."""
    report = _accepted(regime, cast, cast.finance, FINANCE, 7)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "kick", lambda: None)  # no fold queued by the commits: the racing one alone
        approved = services.approve(actor=cast.leader, submission_id=report.pk, version=report.version)
        original, holding, seen = services._fold, threading.Event(), []

        def held(*, reports, now):
            original(reports=reports, now=now)
            holding.set()
            settle()  # the return races while this fold holds the report's share, uncommitted
            seen.append(Submission.objects.get(pk=reports[0]).status)

        def send_back():
            holding.wait()
            return services.return_report(
                actor=cast.leader, submission_id=approved.pk, version=approved.version, reason="Xem lại"
            )

        patch.setattr(services, "_fold", held)
        outcomes = run_together(services.fold_totals, send_back)
    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert seen == [Status.RETURNED]  # committed while the fold still held the share
    assert _kept(regime)[0]["DNMOI"] == 7  # as of that fold, which read the report approved
    assert services.fold_totals() == 1
    assert "DNMOI" not in _kept(regime)[0] and not FoldMark.objects.exists()
