"""The generator's calendar of office periods answers exactly as tinhso.core.working_time (and promised dates
as tinhso.dossiers.services), across Tết and weekends, at any instant of the day (not only office hours)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core import working_time
from tinhso.core.working_time import local_zone
from tinhso.dossiers.services import promised_date
from tinhso.generator import clock

pytestmark = pytest.mark.django_db
FIRST, LAST = date(2025, 12, 1), date(2027, 3, 31)  # Tết 2026 and 2027 inside


@pytest.fixture(autouse=True)
def _calendar():
    clock.prepare(FIRST, LAST)
    yield
    clock._calendar = None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(min_value=FIRST, max_value=date(2027, 1, 31)),
    minute_of_day=st.integers(min_value=0, max_value=24 * 60 - 1),
    quarter_hours=st.integers(min_value=1, max_value=4 * 8 * 30),
    in_utc=st.booleans(),
)
def test_office_hours_added_and_measured_as_the_core_does(day, minute_of_day, quarter_hours, in_utc):
    start = datetime(day.year, day.month, day.day, tzinfo=local_zone()) + timedelta(minutes=minute_of_day)
    start = start.astimezone(UTC) if in_utc else start  # as the simulation reads an instant back
    hours = Decimal(quarter_hours) / 4
    expected = working_time.add_working_time(start, hours=hours)
    added = clock.add_hours(start, hours)
    assert (added, added.isoformat()) == (expected, expected.isoformat())  # payloads write the offset
    in_minutes, core_minutes = (
        clock.add_minutes(start, quarter_hours * 15),
        expected.replace(second=0, microsecond=0),
    )
    assert (in_minutes, in_minutes.isoformat()) == (core_minutes, core_minutes.isoformat())
    assert clock.working_time_between(start, expected) == working_time.working_time_between(start, expected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(min_value=FIRST - timedelta(days=5), max_value=LAST),
    minute_of_day=st.integers(min_value=0, max_value=24 * 60 - 1),
    days=st.integers(min_value=1, max_value=40),
    cutoff=st.sampled_from([None, time(10, 0), time(15, 30)]),
)
def test_promised_dates_counted_in_days_as_the_services_give_them(day, minute_of_day, days, cutoff):
    accepted_at = datetime(day.year, day.month, day.day, tzinfo=local_zone()) + timedelta(
        minutes=minute_of_day
    )
    procedure = SimpleNamespace(processing_hours=Decimal(0), processing_days=days, cutoff_time=cutoff)
    promised = clock.promised_by_days(accepted_at, days=days, cutoff=cutoff)
    expected = promised_date(procedure, accepted_at)
    assert (promised, promised.isoformat()) == (expected, expected.isoformat())
    added = clock.add_days(accepted_at, days)
    core = working_time.add_working_time(accepted_at, days=days)
    assert (added, added.isoformat()) == (core, core.isoformat())


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    instant=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    whole_minute=st.booleans(),
    zone=st.sampled_from([UTC, local_zone()]),
)
def test_instants_written_as_isoformat_writes_them(instant, whole_minute, zone):
    instant = (instant.replace(second=0, microsecond=0) if whole_minute else instant).astimezone(zone)
    assert clock.iso_text(instant) == instant.isoformat()
