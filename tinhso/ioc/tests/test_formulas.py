"""Each formula against cases counted by hand, through the real services and the event consumer."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from tinhso.dossiers.models import Dossier
from tinhso.ioc import rules, selectors, services
from tinhso.ioc.periods import parse
from tinhso.testing.dossiers import local


def test_points_are_max_times_rate_over_full_at_capped_at_one():
    assert rules.score(20, 0.75, 1.0) == 15
    assert rules.score(4, 0.4, 0.5) == 3.2
    assert rules.score(4, 0.6, 0.5) == 4
    assert rules.score(6, None, 0.9) == 6  # nothing to count scores full, as "no feedback" does


def _fact(**fields):
    base = {"supplements": [], "deadline": local(2026, 3, 16, 17), "accepted_at": local(2026, 3, 2, 9)}
    return SimpleNamespace(**(base | fields))


def test_on_time_rules_as_written(db):
    deadline = local(2026, 3, 16, 17)
    assert rules.on_time_at(_fact(), deadline)
    assert not rules.on_time_at(_fact(), deadline + timedelta(minutes=1))
    # A supplement answered after two working days moves the deadline by the office time waited.
    waited = _fact(supplements=[[local(2026, 3, 3, 9).isoformat(), local(2026, 3, 5, 9).isoformat(), 15.0]])
    assert rules.on_time_at(waited, local(2026, 3, 18, 9))
    # While the applicant still has the supplement, the agency's clock stands at the request.
    waiting = _fact(supplements=[[local(2026, 3, 3, 9).isoformat(), None, 0]])
    assert rules.on_time_at(waiting, local(2026, 4, 30, 17))
    # Sent back for supplements twice: late, however fast.
    twice = _fact(
        supplements=[
            [local(2026, 3, 3, 9).isoformat(), local(2026, 3, 3, 10).isoformat(), 1.0],
            [local(2026, 3, 4, 9).isoformat(), local(2026, 3, 4, 10).isoformat(), 1.0],
        ]
    )
    assert not rules.on_time_at(twice, local(2026, 3, 5, 9))
    assert rules.on_time_at(twice, local(2026, 3, 4, 8))  # judged before the second request: one only
    # Waiting for the applicant to pay fees moves the deadline too, but is no supplement request.
    paid = _fact(
        supplements=[
            [local(2026, 3, 3, 9).isoformat(), local(2026, 3, 3, 10).isoformat(), 1.0],
            [local(2026, 3, 4, 9).isoformat(), local(2026, 3, 6, 9).isoformat(), 15.0, "payment"],
        ]
    )
    assert rules.on_time_at(paid, local(2026, 3, 18, 9))
    assert not rules.on_time_at(paid, local(2026, 3, 20, 9))


def _card(leader, key):
    return selectors.scorecard(actor=leader, period=parse(key))


def test_progress_2_1_counts_hand_computed(march, province_leader, clock):
    card = _card(province_leader, "2026-03")
    value = card.value("2.1")
    # Ended in March: A, B on time, C late (two supplements); open at 31/3: D within time, E overdue.
    assert (value.numerator, value.denominator) == (3, 5)
    assert value.rate == pytest.approx(0.6)
    assert value.points == 12.0
    # The quarter ends on the same day as March: the same verdicts.
    assert (card.value("2.1").numerator, _card(province_leader, "2026-Q1").value("2.1").denominator) == (3, 5)
    # A new month reached: D and E are open in it. While April runs they are judged now (issue 18, item 2):
    # D, due in April, is not overdue before its deadline; E is.
    clock.set(2026, 4, 1, 8)
    services.roll_horizon()
    april = _card(province_leader, "2026-04").value("2.1")
    assert (april.numerator, april.denominator, april.points) == (1, 2, 10.0)
    assert _card(province_leader, "2026").value("2.1").numerator == 3
    # Past D's deadline the consumer judges it again without any event: both overdue, as at 30/4.
    clock.now = Dossier.objects.get(pk=march["d"].pk).original_promised_at + timedelta(minutes=1)
    services.consume_events()
    april = _card(province_leader, "2026-04").value("2.1")
    assert (april.numerator, april.denominator, april.points) == (0, 2, 0.0)
    year = _card(province_leader, "2026").value("2.1")
    assert (year.numerator, year.denominator) == (2, 5)


def test_online_digitisation_and_satisfaction_hand_computed(march, province_leader):
    card = _card(province_leader, "2026-03")
    online = card.value("3.2")
    assert (online.numerator, online.denominator, online.points) == (2, 5, 3.2)  # 4 × 0.4 / 0.5
    electronic = card.value("5.1")
    assert (electronic.numerator, electronic.denominator, electronic.points) == (3, 3, 6.0)
    digitised = card.value("5.2")
    assert (digitised.numerator, digitised.denominator) == (2, 3)
    assert digitised.points == pytest.approx(4 * (2 / 3) / 0.8, abs=0.01)
    ratings = card.value("HL")
    assert (ratings.numerator, ratings.denominator) == (1, 2)
    # 1 − (2 late of 5 judged + 1 unsatisfied of 3 ended) = 4/15, full at 0.9.
    satisfaction = card.value("6.3")
    assert satisfaction.rate == pytest.approx(1 - (2 / 5 + 1 / 3))
    assert satisfaction.points == pytest.approx(6 * (4 / 15) / 0.9, abs=0.01)


def test_payment_group_is_computed_from_the_ledger(march, province_leader):
    card = _card(province_leader, "2026-03")
    payment = next(group for group in card.groups if group.code == "TTTT")
    assert payment.computable_points == 10
    assert card.value("4.3").denominator == 0  # no order was opened in March
    assert card.computable_points == sum(i.points for i in rules.INDICATORS if i.source != "none")


def test_catalog_transparency_counts_the_procedures(march, province_leader):
    card = _card(province_leader, "2026-03")
    published = card.value("1.3")
    assert published.denominator == 4  # the four procedures the cast publishes, all with every part
    assert published.numerator == 4
    online = card.value("3.1")
    assert online.numerator == online.denominator == 4


def test_drill_down_lists_the_dossiers_behind_2_1(march, province_leader):
    drill = selectors.records(actor=province_leader, indicator="2.1", period=parse("2026-03"))
    verdicts = {row.code: row.verdict for row in drill.rows}
    assert drill.total == 5
    assert verdicts[march["a"].code].startswith("Đúng hạn")
    assert verdicts[march["c"].code].startswith("Quá hạn")
    assert verdicts[march["e"].code] == "Quá hạn (còn mở cuối kỳ)"
    assert verdicts[march["d"].code] == "Đúng hạn (còn mở cuối kỳ)"
    assert sum(row.verdict.startswith("Đúng hạn") for row in drill.rows) == drill.value.numerator


@pytest.mark.parametrize("indicator", ["2.1", "3.2", "3.3", "5.1", "5.2", "6.3", "HL"])
def test_drill_down_total_is_every_record_behind_the_number(march, province_leader, indicator):
    """The total comes from the counters; it must be the number of records the full list holds."""
    period = parse("2026-03")
    everything = selectors.records(actor=province_leader, indicator=indicator, period=period, limit=None)
    assert everything.total == len(everything.rows) > 0
    first_page = selectors.records(actor=province_leader, indicator=indicator, period=period, limit=2)
    assert first_page.total == everything.total
    assert [row.code for row in first_page.rows] == [row.code for row in everything.rows[:2]]
    assert [row.start for row in everything.rows] == sorted(
        (row.start for row in everything.rows), reverse=True
    )
