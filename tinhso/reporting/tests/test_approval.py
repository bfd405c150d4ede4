"""The report lifecycle up the tree, declared once in reporting/lifecycle.py; aggregation of approved
values (merged units under their successor); cross-checks against the platform's own records."""

from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.core.errors import Conflict, Forbidden, InvalidInput
from tinhso.core.models import AdminUnit, Event
from tinhso.core.selectors import unit_by_code
from tinhso.ioc.models import DossierFact
from tinhso.reporting import lifecycle, selectors, services, validation
from tinhso.reporting.models import Aggregate, FoldMark, KeptTotals, Status, Submission, ValidationRule

from .conftest import AN_XUYEN, FINANCE, JUSTICE, ZONE

pytestmark = pytest.mark.django_db
TYPED = {"HSTN": "3", "HSTT": "1", "HSDH": "2", "PAHT": "0", "DNMOI": "12", "BLHH": "250,5"}


def _fill(regime, actor, unit, period="2026M03", **values):
    cells = [services.Cell(code, value) for code, value in {**TYPED, **values}.items()]
    services.save_values(actor=actor, regime_code=regime, period_id=period, unit_code=unit, cells=cells)
    return Submission.objects.get(regime__code=regime, period=period, unit__code=unit)


def _send(regime, actor, unit, **values):
    submission = _fill(regime, actor, unit, **values)
    return services.submit(actor=actor, submission_id=submission.pk, version=submission.version)


def _approve(leader, submission, fold=True):
    """Accepted and approved, then folded into the totals as the job queued by the approval's commit does."""
    accepted = services.accept(actor=leader, submission_id=submission.pk, version=submission.version)
    approved = services.approve(actor=leader, submission_id=accepted.pk, version=accepted.version)
    if fold:
        services.fold_totals()
    return approved


def _dossier(number, unit_code, submitted, online=False, **fields):
    return DossierFact.objects.create(
        dossier_id=number, code=f"H12.{number}", unit=unit_by_code(unit_code), procedure_code="1.001193",
        channel=2 if online else 1, status=1, submitted_at=submitted, **fields,
    )  # fmt: skip


def _platform_figures(regime, clock):
    """Justice received three dossiers in 2026M03 (15/02–14/03), one online; one more on the 15th (next period)."""
    _dossier(1, JUSTICE, datetime(2026, 2, 15, 0, 0, tzinfo=ZONE), online=True)
    _dossier(2, JUSTICE, datetime(2026, 3, 1, 10, tzinfo=ZONE),
             ended_at=datetime(2026, 3, 3, 10, tzinfo=ZONE), deadline=datetime(2026, 3, 5, 17, tzinfo=ZONE))  # fmt: skip
    _dossier(3, JUSTICE, datetime(2026, 3, 14, 23, 59, tzinfo=ZONE),
             ended_at=datetime(2026, 3, 14, 23, 59, tzinfo=ZONE), deadline=datetime(2026, 3, 20, tzinfo=ZONE))  # fmt: skip
    _dossier(4, JUSTICE, datetime(2026, 3, 15, 0, 0, tzinfo=ZONE), online=True)
    _dossier(5, JUSTICE, datetime(2026, 2, 14, 23, 59, tzinfo=ZONE), online=True)
    services.snapshot_derivations(regime_code=regime, period_id="2026M03")


def test_lifecycle_table_declares_each_transition_once():
    assert lifecycle.LIFECYCLE.actions == ["submit", "accept", "approve", "return"]
    assert lifecycle.LIFECYCLE.sources("approve") == {Status.ACCEPTED}
    assert {"return"} == lifecycle.NEEDS_REASON


def test_derived_counts_follow_the_cutoff_period_in_local_time(regime, cast, clock):
    _platform_figures(regime, clock)
    submission = _fill(regime, cast.justice, JUSTICE)
    checks = {check.code: check for check in selectors.crosschecks(submission)}
    assert checks["HSTN"].derived == 3 and checks["HSTN"].status == "match"
    assert checks["HSTT"].derived == 1 and checks["HSTT"].status == "match"
    assert checks["HSDH"].derived == 2 and checks["PAHT"].status == "match"
    derivation = checks["HSTN"].derivation
    assert derivation.query == "dossiers_received@1" and len(derivation.records_hash) == 64
    _dossier(6, JUSTICE, datetime(2026, 3, 10, tzinfo=ZONE))  # late-arriving record: the snapshot holds
    services.snapshot_derivations(regime_code=regime, period_id="2026M03")
    assert {c.code: c for c in selectors.crosschecks(submission)}["HSTN"].derived == 3


def test_the_full_path_up_the_tree_with_a_mismatch_explained(regime, cast, clock):
    _platform_figures(regime, clock)
    justice = _send(regime, cast.justice, JUSTICE, HSTN="4")  # the platform recorded 3
    finance = _send(regime, cast.finance, FINANCE, HSTN="0", HSTT="0", HSDH="0")
    with pytest.raises(Forbidden):
        services.accept(actor=cast.justice_leader, submission_id=justice.pk, version=justice.version)
    accepted = services.accept(actor=cast.leader, submission_id=justice.pk, version=justice.version)
    with pytest.raises(Conflict) as refused:
        services.approve(actor=cast.leader, submission_id=accepted.pk, version=accepted.version)
    assert refused.value.code == "mismatch_unexplained" and "nền tảng ghi nhận 3" in refused.value.message
    services.explain(actor=cast.justice, submission_id=justice.pk, subject="crosscheck:HSTN",
                     text="Một hồ sơ tiếp nhận giấy ngày 14/3 chưa được số hóa lên hệ thống.")  # fmt: skip
    approved = services.approve(actor=cast.leader, submission_id=accepted.pk, version=accepted.version)
    assert approved.status == Status.APPROVED
    _approve(cast.leader, finance, fold=False)
    assert (
        not Aggregate.objects.exists()
    )  # the approvals recorded their state and event; the fold adds them up
    assert services.fold_totals() == 2 and services.fold_totals() == 0
    province = Aggregate.objects.get(
        unit__code="96", period="2026M03", indicator_version__indicator__code="DNMOI"
    )
    assert province.value == 24 and len(province.children) == 2
    kept = selectors.kept_totals(selectors.regime_by_code(regime), "2026M03", province.unit)
    assert kept["DNMOI"] == 24 and len(kept) == Aggregate.objects.filter(unit=province.unit).count()
    stream = f"reporting.submission:{justice.pk}"
    assert list(Event.objects.filter(stream=stream).order_by("seq").values_list("action", flat=True)) == [
        "reporting.values_saved", "reporting.submitted", "reporting.accepted", "reporting.explained", "reporting.approved",
    ]  # fmt: skip


def test_approved_values_are_locked_and_a_return_reopens_them_with_a_reason(regime, cast, clock):
    finance = _approve(cast.leader, _send(regime, cast.finance, FINANCE, HSTN="", HSTT="", HSDH="", PAHT=""))
    with pytest.raises(Conflict) as refused:
        services.save_values(actor=cast.finance, regime_code=regime, period_id="2026M03", unit_code=FINANCE,
                             cells=[services.Cell("DNMOI", "13")])  # fmt: skip
    assert refused.value.code == "entry_locked" or "phê duyệt" in str(refused.value)
    with pytest.raises(InvalidInput):
        services.return_report(
            actor=cast.leader, submission_id=finance.pk, version=finance.version, reason=" "
        )
    returned = services.return_report(actor=cast.leader, submission_id=finance.pk, version=finance.version,
                                      reason="Số doanh nghiệp mới chưa khớp với Sở Tài chính")  # fmt: skip
    assert Aggregate.objects.filter(unit__code="96", period="2026M03").exists()  # until the fold
    assert services.fold_totals() == 1
    assert not Aggregate.objects.filter(unit__code="96", period="2026M03").exists()
    assert selectors.kept_totals(finance.regime, "2026M03", AdminUnit.objects.get(code="96")) == {}
    clock.set(2026, 5, 1)  # long after the deadline: a returned report is still open to correct
    services.save_values(actor=cast.finance, regime_code=regime, period_id="2026M03", unit_code=FINANCE,
                         cells=[services.Cell("DNMOI", "13")])  # fmt: skip
    returned.refresh_from_db()
    with pytest.raises(InvalidInput):  # a revision says why
        services.submit(actor=cast.finance, submission_id=returned.pk, version=returned.version)
    again = services.submit(actor=cast.finance, submission_id=returned.pk, version=returned.version,
                            reason="Cập nhật theo đăng ký kinh doanh")  # fmt: skip
    assert again.revision == 2


def test_forbidden_transitions_and_stale_versions(regime, cast, clock):
    submission = _fill(regime, cast.finance, FINANCE, HSTN="", HSTT="", HSDH="", PAHT="")
    with pytest.raises(Conflict) as refused:
        services.accept(actor=cast.leader, submission_id=submission.pk, version=submission.version)
    assert refused.value.code == "transition_not_allowed"
    with pytest.raises(Forbidden):
        services.submit(actor=cast.justice, submission_id=submission.pk, version=submission.version)
    sent = services.submit(actor=cast.finance, submission_id=submission.pk, version=submission.version)
    with pytest.raises(Conflict) as stale:
        services.accept(actor=cast.leader, submission_id=sent.pk, version=sent.version - 1)
    assert stale.value.code == "stale_version"
    with pytest.raises(Conflict):
        services.approve(
            actor=cast.leader, submission_id=sent.pk, version=sent.version
        )  # must be accepted first
    assert [t.action for t in selectors.allowed_actions(cast.leader, sent)] == ["accept", "return"]
    assert selectors.allowed_actions(cast.finance, sent) == []


def test_an_action_locks_its_report_alone_not_the_regime_all_reports_share(regime, cast, clock):
    """FOR UPDATE over the join to the regime and the unit made each action on any report of the regime wait
    for every other one's commit."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    submission = _fill(regime, cast.finance, FINANCE, HSTN="", HSTT="", HSDH="", PAHT="")
    with CaptureQueriesContext(connection) as queries:
        sent = services.submit(actor=cast.finance, submission_id=submission.pk, version=submission.version)
        services.accept(actor=cast.leader, submission_id=sent.pk, version=sent.version)
        services.explain(actor=cast.finance, submission_id=sent.pk, subject="DNMOI", text="Theo đăng ký")
    locking = [
        sql
        for sql in (query["sql"] for query in queries.captured_queries)
        if "FOR UPDATE" in sql
        and ('FROM "reporting_submission"' in sql or "FROM reporting_submission s" in sql)
    ]
    assert len(locking) == 3
    # The ORM's (explain) names the table; an action's one read (services.ACTION_PLACE) its alias.
    assert all(
        'FOR UPDATE OF "reporting_submission"' in sql or sql.rstrip().endswith("FOR UPDATE OF s")
        for sql in locking
    ), locking


def test_a_high_rule_blocks_submission_and_others_need_an_explanation(regime, cast, clock):
    submission = _fill(regime, cast.justice, JUSTICE, HSTT="5", HSTN="3")  # online > received: HIGH
    with pytest.raises(Conflict) as refused:
        services.submit(actor=cast.justice, submission_id=submission.pk, version=submission.version)
    assert refused.value.code == "validation_failed" and "Hồ sơ trực tuyến" in refused.value.message
    submission = _fill(regime, cast.justice, JUSTICE, HSTT="1", HSDH="4")  # on time > received: MEDIUM
    with pytest.raises(Conflict) as refused:
        services.submit(actor=cast.justice, submission_id=submission.pk, version=submission.version)
    assert refused.value.code == "explanation_required"
    services.explain(
        actor=cast.justice,
        submission_id=submission.pk,
        subject="rule:R02",
        text="Gồm hồ sơ kỳ trước chuyển sang.",
    )
    submission.refresh_from_db()
    assert (
        services.submit(actor=cast.justice, submission_id=submission.pk, version=submission.version).status
        == Status.SUBMITTED
    )


def test_an_outlier_needs_an_explanation_and_values_and_history_are_read_at_once(regime, cast, clock):
    months = [f"2025M{month:02d}" for month in range(3, 13)] + ["2026M01", "2026M02"]
    for number, period in enumerate(months):
        services.import_history(actor=None, regime_code=regime, period_id=period, unit_code=JUSTICE,
                                values={"DNMOI": str(10 + number % 3), "BLHH": str(240 + number)},
                                reason="Hệ thống báo cáo cũ")  # fmt: skip
    submission = _fill(regime, cast.justice, JUSTICE, DNMOI="120", BLHH="251")  # a tenfold jump; a usual rise
    with CaptureQueriesContext(connection) as queries:
        found = selectors.findings(submission, kinds=("outlier",))
    assert [finding.subject for finding in found] == ["outlier:DNMOI"]
    reads = [query["sql"] for query in queries.captured_queries if "reporting_valueblock" in query["sql"]]
    assert len(reads) == 1  # the report's values with every value's history
    with pytest.raises(Conflict) as refused:
        services.submit(actor=cast.justice, submission_id=submission.pk, version=submission.version)
    assert refused.value.code == "explanation_required" and refused.value.extra["findings"] == [
        "outlier:DNMOI"
    ]


def test_a_reports_checks_read_its_values_history_rules_and_explanations_as_the_general_reads_do(
    regime, cast, clock
):
    months = [f"2024M{month:02d}" for month in range(2, 13)] + [f"2025M{month:02d}" for month in range(1, 13)]
    months += ["2026M01", "2026M02"]  # 2024M02 is the 25th period before 2026M03: outside the history
    for number, period in enumerate(months):
        services.import_history(actor=None, regime_code=regime, period_id=period, unit_code=JUSTICE,
                                values={"BLHH": str(240 + number)}, reason="Hệ thống báo cáo cũ")  # fmt: skip
    services.import_history(actor=None, regime_code=regime, period_id="2026M02", unit_code=FINANCE,
                            values={"BLHH": "999"}, reason="Hệ thống báo cáo cũ")  # fmt: skip
    submission = _fill(regime, cast.justice, JUSTICE, BLHH="251")
    services.explain(
        actor=cast.justice, submission_id=submission.pk, subject="outlier:BLHH", text="Mùa cao điểm."
    )
    submission = Submission.objects.select_related("regime", "unit").get(pk=submission.pk)
    period = selectors.period_of(submission.regime, submission.period)
    read = selectors.check_inputs(submission, period)
    assert read.values == selectors.typed_values(submission) and read.values[("BLHH", "")] == Decimal("251")
    assert read.pasts == {("BLHH", ""): {month: Decimal(240 + number) for number, month in enumerate(months)
                                         if month != "2024M02"}}  # fmt: skip
    fields = validation.Rule._fields
    assert read.rules == [validation.Rule(*rule) for rule in
                          ValidationRule.objects.filter(regime=submission.regime).order_by("code").values_list(*fields)]  # fmt: skip
    assert [rule.code for rule in read.rules] == ["R01", "R02"]
    assert read.explained == {"outlier:BLHH": "Mùa cao điểm."}
    with mock.patch.object(connection, "vendor", "sqlite"):  # the general reads, on either database
        assert selectors.check_inputs(submission, period) == read


def test_a_level_approves_only_when_every_unit_under_it_has(regime, cast, clock):
    province = _send(regime, cast.leader, "96", HSTN="", HSTT="", HSDH="", PAHT="")
    accepted = services.accept(actor=cast.leader, submission_id=province.pk, version=province.version)
    with pytest.raises(Conflict) as refused:
        services.approve(actor=cast.leader, submission_id=accepted.pk, version=accepted.version)
    assert refused.value.code == "children_not_approved" and "Sở Tư pháp" in refused.value.message


def test_a_merged_commune_rolls_up_under_its_successor(regime, cast, clock):
    successor = unit_by_code(AN_XUYEN)
    old = AdminUnit.objects.create(
        code="32005.H12", name="Ủy ban nhân dân xã Tân Xuyên (cũ)", kind="agency", parent=successor.parent,
        path=successor.parent.path + "32005.H12/", depth=2, valid_from=datetime(2008, 1, 1).date(),
        valid_to=datetime(2025, 6, 30).date(), successor=successor,
    )  # fmt: skip
    selectors.regime_by_code(regime).reporters.add(old)
    from tinhso.core.services import assign_role

    assign_role(actor=None, user=cast.commune, role="reporting_officer", unit_code=old.code)
    clock.set(2025, 3, 17)
    for unit in (old.code, AN_XUYEN):
        submission = _fill(
            regime, cast.commune, unit, period="2025M03", HSTN="", HSTT="", HSDH="", PAHT="", DNMOI="5"
        )
        submission = services.submit(
            actor=cast.commune, submission_id=submission.pk, version=submission.version
        )
        _approve(cast.leader, submission)
    under_successor = Aggregate.objects.get(
        unit=successor, period="2025M03", indicator_version__indicator__code="DNMOI"
    )
    assert under_successor.value == 5  # the old commune's own figure, now counted under the new one
    province = Aggregate.objects.get(
        unit__code="96", period="2025M03", indicator_version__indicator__code="DNMOI"
    )
    assert province.value == 10
    assert (
        Decimal(5)
        == selectors.values_for(selectors.regime_by_code(regime), "2025M03", unit_by_code(old.code))[
            ("DNMOI", "")
        ]
    )


def test_completeness_lists_late_units(regime, cast, clock):
    _send(regime, cast.finance, FINANCE, HSTN="", HSTT="", HSDH="", PAHT="")
    clock.set(2026, 3, 19)
    rows = {row.unit.code: row for row in selectors.completeness(selectors.regime_by_code(regime), "2026M03")}
    assert rows[FINANCE].on_time and rows[FINANCE].status == Status.SUBMITTED
    assert rows[JUSTICE].status == "missing" and rows[JUSTICE].days_late == 2
    late = selectors.overdue(selectors.regime_by_code(regime), "2026M03")
    assert {row.unit.code for row in late} == {JUSTICE, AN_XUYEN}
    soon = selectors.due_soon(
        selectors.regime_by_code(regime),
        "2026M03",
        now=clock.now - timedelta(days=3),
        within=timedelta(days=2),
    )
    assert {row.unit.code for row in soon} == {JUSTICE, AN_XUYEN}


def test_reminders_before_the_deadline_reach_the_units_officers_once(regime, cast, clock):
    from tinhso.notifications.models import Notification
    from tinhso.notifications.services import deliver_notifications

    _send(regime, cast.finance, FINANCE, HSTN="", HSTT="", HSDH="", PAHT="")
    clock.set(2026, 3, 16, 8)  # deadline Tuesday 17/03 17:00
    assert services.remind_due_reports(now=clock.now) == 2  # justice and the commune, not finance (sent)
    assert services.remind_due_reports(now=clock.now) == 0
    deliver_notifications(now=clock.now)
    mine = Notification.objects.get(recipient=cast.justice)
    assert "KTXH-THANG" in mine.title and "2026M03" in mine.title and mine.link.endswith(f"/{JUSTICE}/")
    assert not Notification.objects.filter(recipient=cast.finance).exists()


def _kept_everywhere(regime_code):
    kept = selectors.kept_totals(
        selectors.regime_by_code(regime_code), "2026M03", AdminUnit.objects.get(code="96")
    )
    rows = Aggregate.objects.filter(period="2026M03").values_list(
        "unit_id", "indicator_version_id", "disaggregation", "value", "children"
    )
    return kept, sorted(rows)


def test_totals_kept_by_difference_equal_a_rebuild_from_every_approved_value(regime, cast, clock):
    blank = {"HSTN": "", "HSTT": "", "HSDH": "", "PAHT": ""}
    finance = _approve(cast.leader, _send(regime, cast.finance, FINANCE, DNMOI="7", CPI="100,5", **blank))
    justice = _approve(cast.leader, _send(regime, cast.justice, JUSTICE, DNMOI="5", CPI="101,25", **blank))
    both, _rows = _kept_everywhere(regime)
    assert both["DNMOI"] == 12 and both["CPI"] == Decimal("100.875")  # CPI is averaged, not summed
    services.return_report(actor=cast.leader, submission_id=finance.pk, version=finance.version,
                           reason="Số doanh nghiệp mới chưa khớp")  # fmt: skip
    services.fold_totals()
    by_difference = _kept_everywhere(regime)
    assert by_difference[0]["DNMOI"] == 5 and by_difference[0]["CPI"] == Decimal("101.25")
    assert by_difference[0]["BLHH"] == Decimal("250.5")  # the cell only justice has left
    services.rebuild_totals(regime=selectors.regime_by_code(regime), period_id="2026M03", unit=justice.unit)
    assert _kept_everywhere(regime) == by_difference
    finance.refresh_from_db()
    again = services.submit(
        actor=cast.finance, submission_id=finance.pk, version=finance.version, reason="Đã sửa"
    )
    _approve(cast.leader, again)  # added back by difference onto the rebuilt totals
    added_back = _kept_everywhere(regime)
    assert added_back[0] == both
    services.rebuild_totals(regime=selectors.regime_by_code(regime), period_id="2026M03", unit=justice.unit)
    assert _kept_everywhere(regime) == added_back


def test_an_actions_one_read_decides_parties_and_children_as_the_selectors_do(regime, cast, clock):
    """services._place stands for selectors.is_party and selectors.children on PostgreSQL: for every unit of the
    tree (a merged commune among them) and every member of the cast, both answer the same."""
    if connection.vendor != "postgresql":
        pytest.skip("the one read is PostgreSQL's")
    successor = unit_by_code(AN_XUYEN)
    old = AdminUnit.objects.create(
        code="32005.H12", name="Ủy ban nhân dân xã Tân Xuyên (cũ)", kind="agency", parent=successor.parent,
        path=successor.parent.path + "32005.H12/", depth=2, valid_from=datetime(2008, 1, 1).date(),
        valid_to=datetime(2025, 6, 30).date(), successor=successor,
    )  # fmt: skip
    found = selectors.regime_by_code(regime)
    found.reporters.add(old)
    units = [*found.reporters.all(), found.recipient]
    for unit in units:
        submission, _made = Submission.objects.get_or_create(regime=found, period="2026M03", unit=unit)
        general = Submission.objects.select_related("regime__recipient", "unit__parent").get(pk=submission.pk)
        for actor in (cast.justice, cast.finance, cast.commune, cast.leader, cast.justice_leader):
            place = services._place(actor, submission.pk)
            assert place is not None
            for party in (lifecycle.UNIT, lifecycle.ABOVE):
                assert place.is_party(party) == selectors.is_party(actor, general, party), (unit.code, party)
            assert [r.id for r in place.children()] == [u.pk for u in selectors.children(found, unit)], (
                unit.code
            )
    assert any(
        place.children() for place in [services._place(cast.leader, s.pk) for s in Submission.objects.all()]
    )


def test_a_returned_report_is_taken_away_as_it_was_counted_even_if_changed_before_the_fold(
    regime, cast, clock
):
    """The fold takes a report's share away as it added it, not as its values stand: a return, a correction,
    a new submission and approval may all come before the fold, which counts each report once."""
    blank = {"HSTN": "", "HSTT": "", "HSDH": "", "PAHT": "", "CPI": "", "BLHH": ""}
    finance = _approve(cast.leader, _send(regime, cast.finance, FINANCE, DNMOI="7", **blank))
    _approve(cast.leader, _send(regime, cast.justice, JUSTICE, DNMOI="5", **blank))
    province = AdminUnit.objects.get(code="96")
    assert selectors.kept_totals(finance.regime, "2026M03", province) == {"DNMOI": 12}
    returned = services.return_report(actor=cast.leader, submission_id=finance.pk, version=finance.version,
                                      reason="Chưa khớp đăng ký kinh doanh")  # fmt: skip
    services.save_values(actor=cast.finance, regime_code=regime, period_id="2026M03", unit_code=FINANCE,
                         cells=[services.Cell("DNMOI", "13")])  # fmt: skip
    assert selectors.kept_totals(finance.regime, "2026M03", province) == {"DNMOI": 12}  # as of the last fold
    assert services.fold_totals() == 1
    assert selectors.kept_totals(finance.regime, "2026M03", province) == {"DNMOI": 5}
    returned.refresh_from_db()
    again = services.submit(
        actor=cast.finance, submission_id=returned.pk, version=returned.version, reason="Đã sửa"
    )
    approved = _approve(cast.leader, again, fold=False)
    services.return_report(
        actor=cast.leader, submission_id=approved.pk, version=approved.version, reason="Xem lại"
    )
    services.save_values(actor=cast.finance, regime_code=regime, period_id="2026M03", unit_code=FINANCE,
                         cells=[services.Cell("DNMOI", "21")])  # fmt: skip
    approved.refresh_from_db()
    third = services.submit(
        actor=cast.finance, submission_id=approved.pk, version=approved.version, reason="Lần 3"
    )
    _approve(cast.leader, third, fold=False)
    assert services.fold_totals() == 1
    assert selectors.kept_totals(finance.regime, "2026M03", province) == {"DNMOI": 26}
    folded = _kept_everywhere(regime)
    services.rebuild_totals(
        regime=selectors.regime_by_code(regime), period_id="2026M03", unit=unit_by_code(JUSTICE)
    )
    assert _kept_everywhere(regime) == folded
    assert not FoldMark.objects.exists()


def test_a_fold_that_fails_halfway_leaves_its_reports_marked_and_the_next_counts_them_once(
    regime, cast, clock
):
    blank = {"HSTN": "", "HSTT": "", "HSDH": "", "PAHT": "", "CPI": "", "BLHH": ""}
    _approve(cast.leader, _send(regime, cast.finance, FINANCE, DNMOI="7", **blank), fold=False)
    _approve(cast.leader, _send(regime, cast.justice, JUSTICE, DNMOI="5", **blank), fold=False)
    original, rolled = services.roll_up, []

    def dies_on_the_second(*, submission, sign, own=None):
        if rolled:
            raise RuntimeError("killed")
        rolled.append(submission.pk)
        original(submission=submission, sign=sign, own=own)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "roll_up", dies_on_the_second)
        with pytest.raises(RuntimeError):
            services.fold_totals()
    assert rolled and not Aggregate.objects.exists()
    assert len(set(FoldMark.objects.values_list("submission_id", flat=True))) == 2  # both still marked
    assert services.fold_totals() == 2 and services.fold_totals() == 0
    province = AdminUnit.objects.get(code="96")
    assert selectors.kept_totals(selectors.regime_by_code(regime), "2026M03", province) == {"DNMOI": 12}


def test_the_kept_totals_a_process_keeps_are_never_those_of_a_write_rolled_back(regime, cast, clock):
    """A reader keeps the totals it decoded under their row's version: a fold rolled back after the reader saw
    its totals, then another fold committing other totals, must not be answered from what the reader kept."""
    from django.db import transaction

    blank = {"HSTN": "", "HSTT": "", "HSDH": "", "PAHT": "", "CPI": "", "BLHH": ""}
    province = AdminUnit.objects.get(code="96")
    finance = _approve(cast.leader, _send(regime, cast.finance, FINANCE, DNMOI="7", **blank))
    assert selectors.kept_totals(finance.regime, "2026M03", province) == {"DNMOI": 7}
    justice = _approve(cast.leader, _send(regime, cast.justice, JUSTICE, DNMOI="5", **blank), fold=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.fold_totals()
        assert selectors.kept_totals(finance.regime, "2026M03", province) == {"DNMOI": 12}
        raise RuntimeError("rolled back")
    assert KeptTotals.objects.get(unit=province).totals == {"DNMOI": "7"}  # read past what the process keeps
    services.return_report(
        actor=cast.leader, submission_id=justice.pk, version=justice.version, reason="Xem lại"
    )
    services.save_values(actor=cast.justice, regime_code=regime, period_id="2026M03", unit_code=JUSTICE,
                         cells=[services.Cell("DNMOI", "6")])  # fmt: skip
    again = Submission.objects.get(pk=justice.pk)
    again = services.submit(
        actor=cast.justice, submission_id=again.pk, version=again.version, reason="Đã sửa"
    )
    _approve(cast.leader, again)
    assert selectors.kept_totals(finance.regime, "2026M03", province) == {"DNMOI": 13}
    with pytest.raises(TypeError):
        selectors.kept_totals(finance.regime, "2026M03", province)["DNMOI"] = Decimal(0)  # type: ignore[index]
