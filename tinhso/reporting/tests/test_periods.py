"""Periods: Decree 09/2019 Art. 12 cut-offs and calendar periods, their ids and boundaries in local time."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.core.errors import InvalidInput
from tinhso.reporting import periods
from tinhso.reporting.periods import CALENDAR, DECREE_09

from .conftest import ZONE


@pytest.mark.parametrize(
    ("period_id", "first", "last"),
    [
        ("2025M03", date(2025, 2, 15), date(2025, 3, 14)),
        ("2025M01", date(2024, 12, 15), date(2025, 1, 14)),
        ("2025Q1", date(2024, 12, 15), date(2025, 3, 14)),
        ("2025S1", date(2024, 12, 15), date(2025, 6, 14)),
        ("2025S2", date(2025, 6, 15), date(2025, 12, 14)),
        ("2025N9", date(2024, 12, 15), date(2025, 9, 14)),
        ("2025", date(2024, 12, 15), date(2025, 12, 14)),
    ],
)
def test_decree_09_cutoffs(period_id, first, last):
    period = periods.parse(period_id)
    assert (period.first_day, period.last_day, period.id) == (first, last, period_id)


@pytest.mark.parametrize(
    ("period_id", "first", "last"),
    [
        ("2025M02", date(2025, 2, 1), date(2025, 2, 28)),
        ("2024M02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025S1", date(2025, 1, 1), date(2025, 6, 30)),
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_calendar_periods_for_statistical_regimes(period_id, first, last):
    period = periods.parse(period_id, mode=CALENDAR)
    assert (period.first_day, period.last_day) == (first, last)


def test_boundaries_are_midnight_in_ho_chi_minh_city():
    period = periods.parse("2026M03")
    assert period.start == datetime(2026, 2, 14, 17, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 14, 17, tzinfo=UTC)
    assert period.contains(datetime(2026, 3, 14, 23, 59, tzinfo=ZONE))
    assert not period.contains(datetime(2026, 3, 15, 0, 0, tzinfo=ZONE))


@pytest.mark.parametrize("bad", ["", "2026M13", "2026Q5", "2026S3", "26M01", "2026N8", "2026M3"])
def test_malformed_ids_are_refused_in_vietnamese(bad):
    with pytest.raises(InvalidInput, match="Mã kỳ"):
        periods.parse(bad)


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)
modes = st.sampled_from([DECREE_09, CALENDAR])
frequencies = st.sampled_from(["M", "Q", "S", "Y"])


@given(instant=instants, mode=modes, frequency=frequencies)
def test_every_instant_lies_in_exactly_the_period_containing_it(instant, mode, frequency):
    period = periods.containing(instant, frequency=frequency, mode=mode)
    assert period.contains(instant)
    assert not period.previous().contains(instant)
    assert periods.parse(period.id, mode=mode) == period


@given(year=st.integers(2000, 2090), mode=modes, frequency=frequencies)
def test_a_years_periods_tile_its_span_without_gap_or_overlap(year, mode, frequency):
    spans = periods.of_year(year, frequency=frequency, mode=mode)
    whole = periods.Period(year, 12, 12, mode)
    assert spans[0].start == whole.start and spans[-1].end == whole.end
    for before, after in itertools.pairwise(spans):
        assert before.end == after.start
        assert after.previous() == before


@given(year=st.integers(2000, 2090), month=st.integers(1, 12))
def test_a_decree_09_month_runs_from_the_15th_to_the_14th(year, month):
    period = periods.Period(year, month, 1)
    assert period.first_day.day == 15 and period.last_day.day == 14
    assert period.last_day.month == month and period.last_day - period.first_day < timedelta(days=31)
    assert period.start.utcoffset() == timedelta(hours=7)
