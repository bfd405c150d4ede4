"""Working time: deadlines in working days and office hours, Vietnamese holidays, declared days.

Every expected instant below was counted by hand on the calendar, in Asia/Ho_Chi_Minh (UTC+7).
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.core import services, working_time
from tinhso.core.errors import Forbidden, InvalidInput
from tinhso.core.models import CalendarDay, Event, Role, User
from tinhso.core.working_time import (
    add_working_time,
    forget_calendar,
    is_working_day,
    latest_within,
    working_day_length,
    working_time_between,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


@pytest.fixture
def administrator() -> User:
    return services.create_official(
        actor=None,
        username="quantri",
        full_name="Quách Minh Trí",
        password="Camau@2026",
        roles=[(Role.ADMINISTRATOR, "96")],
    )


def test_only_an_administrator_declares_days(db):
    specialist = services.create_official(
        actor=None,
        username="chuyenvien",
        full_name="Lý Văn Hùng",
        password="Camau@2026",
        roles=[(Role.SPECIALIST, "000.00.15.H12")],
    )
    with pytest.raises(Forbidden):
        services.declare_calendar_day(
            actor=specialist, day=date(2026, 1, 2), kind="day_off", reason="Nghỉ bù"
        )
    assert not CalendarDay.objects.exists()


def declare(actor: User, day: date, kind: str, reason: str, capture) -> CalendarDay:
    """Declares a day and runs the after-commit hooks, as a committed request would."""
    with capture(execute=True):
        return services.declare_calendar_day(actor=actor, day=day, kind=kind, reason=reason)


# --- working days -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 2), True),  # Monday
        (date(2026, 3, 6), True),  # Friday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 1, 1), False),  # New Year's Day, Thursday
        (date(2026, 2, 13), True),  # Friday before Tết 2026
        (date(2026, 2, 16), False),  # Tết 2026: Monday 16 to Friday 20 February
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),  # first working day after Tết 2026
        (date(2026, 4, 27), False),  # Hùng Kings' day 2026 falls on Sunday 26 April, observed Monday
        (date(2026, 4, 30), False),  # Thursday
        (date(2026, 5, 1), False),  # Friday
        (date(2026, 8, 22), True),  # Saturday worked in exchange for Monday 31 August 2026
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        (date(2027, 2, 3), True),  # Wednesday before Tết 2027
        (date(2027, 2, 4), False),  # Tết 2027: Thursday 4 to Wednesday 10 February
        (date(2027, 2, 10), False),
        (date(2027, 2, 11), True),
        (date(2027, 4, 30), False),  # Friday
        (date(2027, 5, 3), False),  # 1 May 2027 is a Saturday, observed Monday 3 May
        (date(2027, 5, 4), True),
    ],
)
def test_working_days_follow_weekends_and_vietnamese_holidays(day, working):
    assert is_working_day(day) is working


def test_a_working_day_has_seven_and_a_half_office_hours():
    assert working_day_length() == hours(7.5)


# --- deadlines in days --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "days", "deadline"),
    [
        # Days count from the working day after acceptance and end when the office closes.
        (at(2026, 3, 2, 10), 3, at(2026, 3, 5, 17)),
        (at(2026, 3, 2, 7, 0), 1, at(2026, 3, 3, 17)),  # before opening: acceptance day still not counted
        (at(2026, 3, 6, 16), 1, at(2026, 3, 9, 17)),  # Friday → Monday
        (at(2026, 3, 6, 20, 45), 1, at(2026, 3, 9, 17)),  # Friday evening
        (at(2026, 3, 7, 9), 1, at(2026, 3, 9, 17)),  # accepted on a Saturday (online)
        (at(2026, 3, 2, 9), 10, at(2026, 3, 16, 17)),  # two whole weeks
        # Tết 2026: Saturday 14 to Sunday 22 February off.
        (at(2026, 2, 13, 9), 1, at(2026, 2, 23, 17)),
        (at(2026, 2, 12, 14), 5, at(2026, 2, 26, 17)),  # Fri 13, Mon 23, Tue 24, Wed 25, Thu 26
        (at(2026, 2, 18, 10), 1, at(2026, 2, 23, 17)),  # an instant during Tết: counting starts Mon 23
        # Tết 2027: Thursday 4 to Wednesday 10 February off.
        (at(2027, 2, 3, 14), 1, at(2027, 2, 11, 17)),
        (at(2027, 2, 2, 10), 3, at(2027, 2, 12, 17)),  # Wed 3, Thu 11, Fri 12
        # 30 April and 1 May 2026 (Thursday, Friday), after Hùng Kings' day observed on Monday 27 April.
        (at(2026, 4, 29, 10), 1, at(2026, 5, 4, 17)),
        (at(2026, 4, 24, 10), 2, at(2026, 4, 29, 17)),  # Tue 28, Wed 29
        # 30 April 2027 is a Friday and 1 May a Saturday, observed Monday 3 May.
        (at(2027, 4, 29, 15), 1, at(2027, 5, 4, 17)),
        # National Day 2026: Monday 31 August to Wednesday 2 September, Saturday 22 August worked.
        (at(2026, 8, 28, 9), 1, at(2026, 9, 3, 17)),
        (at(2026, 8, 21, 10), 1, at(2026, 8, 22, 17)),
        # Across the year end: Thursday 1 January 2026 is New Year's Day.
        (at(2025, 12, 31, 10), 2, at(2026, 1, 5, 17)),  # Fri 2, Mon 5
    ],
)
def test_deadlines_in_days(accepted, days, deadline):
    assert add_working_time(accepted, days=days) == deadline


def test_days_count_from_the_local_date_not_the_utc_date():
    # 18:30 UTC on Thursday is 01:30 on Friday in Cà Mau: Friday is the day of acceptance.
    accepted = datetime(2026, 3, 5, 18, 30, tzinfo=UTC)
    deadline = add_working_time(accepted, days=1)
    assert deadline == at(2026, 3, 9, 17)
    assert deadline.utcoffset() == timedelta(hours=7)


def test_a_deadline_longer_than_the_calendar_guard_still_counts():
    # 800 working days (over three calendar years) must not be mistaken for a calendar without working days.
    accepted = at(2026, 3, 2, 10)
    deadline = add_working_time(accepted, days=800)
    assert deadline.time().isoformat() == "17:00:00" and is_working_day(deadline.date())
    assert deadline.date() > date(2029, 3, 2)
    assert working_time_between(at(2026, 3, 3), deadline) == hours(800 * 7.5)


# --- deadlines in hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "deadline"),
    [
        (at(2026, 3, 2, 10), 1, at(2026, 3, 2, 11)),
        (at(2026, 3, 2, 10), 4, at(2026, 3, 2, 16)),  # 1.5 h before lunch, 2.5 h after
        (at(2026, 3, 2, 10), 1.5, at(2026, 3, 2, 11, 30)),  # ends exactly at the lunch break
        (at(2026, 3, 2, 11, 15), Decimal("0.5"), at(2026, 3, 2, 13, 45)),
        (at(2026, 3, 2, 12), 1, at(2026, 3, 2, 14, 30)),  # received during lunch
        (at(2026, 3, 2, 6), 1, at(2026, 3, 2, 8, 30)),  # received before opening
        (at(2026, 3, 2, 16), 2, at(2026, 3, 3, 8, 30)),  # over the evening
        (at(2026, 3, 6, 16, 30), 8, at(2026, 3, 9, 17)),  # 0.5 h Friday, 7.5 h Monday
        (at(2026, 3, 7, 10), 1, at(2026, 3, 9, 8, 30)),  # Saturday
        (at(2026, 3, 2, 7, 30), 37.5, at(2026, 3, 6, 17)),  # one whole working week
        (at(2026, 2, 13, 16), 2, at(2026, 2, 23, 8, 30)),  # over Tết 2026
        (at(2027, 2, 3, 15), 8, at(2027, 2, 11, 15, 30)),  # 2 h Wednesday, 6 h Thursday after Tết 2027
        (at(2027, 4, 29, 16), 1.5, at(2027, 5, 4, 8)),  # over 30/4–1/5 2027 and observed Monday
        (at(2026, 8, 21, 16), 2, at(2026, 8, 22, 8, 30)),  # into the worked Saturday
    ],
)
def test_deadlines_in_office_hours(start, amount, deadline):
    assert add_working_time(start, hours=amount) == deadline


def test_online_dossier_submitted_on_friday_evening_is_acknowledged_by_tuesday_morning():
    # 8 working hours to acknowledge: Monday gives 7.5 h, the last half hour is Tuesday 07:30–08:00.
    submitted = at(2026, 3, 6, 20, 15)
    assert add_working_time(submitted, hours=8) == at(2026, 3, 10, 8)
    # The same Friday evening before Tết 2026 waits until Tuesday 24 February.
    assert add_working_time(at(2026, 2, 13, 20, 15), hours=8) == at(2026, 2, 24, 8)


def test_office_hours_come_from_the_configuration(settings):
    settings.TINHSO_OFFICE_HOURS = [(time(8), time(12)), (time(13), time(16, 30))]
    assert working_day_length() == hours(7.5)
    assert add_working_time(at(2026, 3, 6, 15), hours=8) == at(2026, 3, 9, 15, 30)  # 1.5 + 4 + 2.5
    assert add_working_time(at(2026, 3, 6, 15), days=1) == at(2026, 3, 9, 16, 30)
    assert working_time_between(at(2026, 3, 2, 7, 30), at(2026, 3, 2, 12, 30)) == hours(4)


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"days": 0, "hours": 0},
        {"days": 1, "hours": 2},
        {"days": -1},
        {"hours": -0.5},
        {"days": 1.5},
    ],
)
def test_invalid_amounts_are_refused(arguments):
    with pytest.raises(ValueError):
        add_working_time(at(2026, 3, 2, 9), **arguments)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        add_working_time(datetime(2026, 3, 2, 9), days=1)
    with pytest.raises(ValueError, match="time zone"):
        working_time_between(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))


def test_a_calendar_without_working_days_is_reported_instead_of_looping():
    CalendarDay.objects.bulk_create(
        CalendarDay(date=date(2026, 3, 2) + timedelta(days=offset), kind="day_off", reason="Thử lịch hỏng")
        for offset in range(3 * 366 + 1)
    )
    with pytest.raises(ValueError, match="No working day"):
        add_working_time(at(2026, 3, 1, 9), days=1)


# --- time between two instants ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2026, 3, 2, 8), at(2026, 3, 2, 16), hours(6)),  # 3.5 h morning, 2.5 h afternoon
        (at(2026, 3, 2, 9), at(2026, 3, 2, 9), hours(0)),
        (at(2026, 3, 2, 11, 45), at(2026, 3, 2, 13, 15), hours(0)),  # both inside the lunch break
        (at(2026, 3, 2, 17, 30), at(2026, 3, 2, 22), hours(0)),  # evening
        (at(2026, 3, 6, 18), at(2026, 3, 9, 7), hours(0)),  # over a weekend, outside hours
        (at(2026, 3, 6, 16), at(2026, 3, 9, 9), hours(2.5)),
        (at(2026, 3, 2), at(2026, 3, 9), hours(37.5)),  # a whole week
        (at(2026, 3, 7, 8), at(2026, 3, 7, 16), hours(0)),  # a Saturday
        (at(2026, 2, 13), at(2026, 2, 23), hours(7.5)),  # only Friday before Tết 2026
        (at(2026, 2, 12, 12), at(2026, 2, 24, 10), hours(21)),  # 3.5 + 7.5 + 7.5 + 2.5
        (at(2027, 2, 3, 15), at(2027, 2, 11, 9), hours(3.5)),  # 2 h + 1.5 h around Tết 2027
        (at(2026, 8, 28, 8), at(2026, 9, 3, 8), hours(7 + 0.5)),  # Fri 28 from 08:00, Thu 3 to 08:00
        (at(2026, 8, 22), at(2026, 8, 23), hours(7.5)),  # the worked Saturday
    ],
)
def test_working_time_between(start, end, expected):
    assert working_time_between(start, end) == expected
    assert working_time_between(end, start) == -expected


def test_working_time_between_accepts_instants_in_any_zone():
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Cà Mau
    end = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 16:00 in Cà Mau
    assert working_time_between(start, end) == hours(6)


WORKING_MINUTES = st.sampled_from([(7 * 60 + 30, 11 * 60 + 30), (13 * 60 + 30, 17 * 60)]).flatmap(
    lambda period: st.integers(min_value=period[0], max_value=period[1] - 1)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 12, 31)).filter(is_working_day),
    minute_of_day=WORKING_MINUTES,
    minutes=st.integers(min_value=1, max_value=60 * 7 * 60),
)
def test_adding_office_hours_then_measuring_them_gives_them_back(day, minute_of_day, minutes):
    start = datetime(day.year, day.month, day.day, tzinfo=HCM) + timedelta(minutes=minute_of_day)
    deadline = add_working_time(start, hours=minutes / 60)
    assert working_time_between(start, deadline) == timedelta(minutes=minutes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(min_value=date(2026, 4, 20), max_value=date(2026, 5, 10)),
    half_hours=st.integers(min_value=0, max_value=47),
    minutes=st.integers(min_value=1, max_value=4 * 24 * 60),
)
def test_the_latest_instant_within_office_time_bounds_exactly_the_instants_within_it(
    day, half_hours, minutes
):
    """Around the 30 April / 1 May holidays and weekends, from starts on the half hour (so that four office
    hours often end at a closing): every instant up to it is within them, any instant after it beyond."""
    start = datetime(day.year, day.month, day.day, tzinfo=HCM) + timedelta(minutes=30 * half_hours)
    limit = latest_within(start, office_time=hours(4))
    later = start + timedelta(minutes=minutes)
    assert (later <= limit) == (working_time_between(start, later) <= hours(4))
    assert working_time_between(start, limit) == hours(4)
    assert working_time_between(start, limit + timedelta(seconds=1)) > hours(4)


@pytest.mark.parametrize(
    ("start", "limit"),
    [
        (
            at(2026, 3, 2, 7, 30),
            at(2026, 3, 2, 13, 30),
        ),  # the morning's 4 h end at 11:30: the afternoon's opening
        (at(2026, 3, 2, 8, 0), at(2026, 3, 2, 14, 0)),  # 3.5 h, then half an hour after 13:30
        (at(2026, 3, 2, 14, 0), at(2026, 3, 3, 8, 30)),  # 3 h to 17:00, then 1 h on Tuesday
        (at(2026, 3, 6, 11, 0), at(2026, 3, 9, 7, 30)),  # Friday's 4 h end at closing: Monday's opening
    ],
)
def test_the_latest_instant_within_office_time_waits_for_the_next_opening(start, limit):
    assert latest_within(start, office_time=hours(4)) == limit


# --- declared days ------------------------------------------------------------------------------------


def test_a_declared_bridge_day_and_make_up_saturday_move_deadlines_at_once(
    administrator, django_capture_on_commit_callbacks
):
    # Friday 2 January 2026 bridges New Year's Day to the weekend, made up on Saturday 10 January.
    assert add_working_time(at(2025, 12, 31, 10), days=2) == at(2026, 1, 5, 17)
    assert add_working_time(at(2026, 1, 9, 10), days=1) == at(2026, 1, 12, 17)
    assert add_working_time(at(2026, 1, 9, 16), hours=2) == at(2026, 1, 12, 8, 30)

    declare(
        administrator,
        date(2026, 1, 2),
        "day_off",
        "Nghỉ bù Tết Dương lịch",
        django_capture_on_commit_callbacks,
    )
    declare(
        administrator,
        date(2026, 1, 10),
        "working_day",
        "Làm bù cho thứ Sáu 02/01/2026",
        django_capture_on_commit_callbacks,
    )

    assert not is_working_day(date(2026, 1, 2))
    assert is_working_day(date(2026, 1, 10))
    assert add_working_time(at(2025, 12, 31, 10), days=2) == at(2026, 1, 6, 17)  # Mon 5, Tue 6
    assert add_working_time(at(2026, 1, 9, 10), days=1) == at(2026, 1, 10, 17)  # the make-up Saturday
    assert add_working_time(at(2026, 1, 9, 16), hours=2) == at(2026, 1, 10, 8, 30)
    assert working_time_between(at(2026, 1, 2), at(2026, 1, 11)) == hours(7.5 * 6)  # Mon 5–Sat 10
    events = Event.objects.filter(stream="core.calendar:2026", action="calendar.declared")
    assert [event.payload["kind"] for event in events.order_by("seq")] == ["day_off", "working_day"]


def test_a_declaration_overrides_a_computed_holiday_and_can_be_replaced(
    administrator, django_capture_on_commit_callbacks
):
    # Wednesday 2 September 2026 declared worked (a hypothetical emergency order), then restored.
    declare(
        administrator,
        date(2026, 9, 2),
        "working_day",
        "Trực phòng chống bão",
        django_capture_on_commit_callbacks,
    )
    assert is_working_day(date(2026, 9, 2))
    assert add_working_time(at(2026, 8, 28, 9), days=1) == at(2026, 9, 2, 17)

    declare(administrator, date(2026, 9, 2), "day_off", "Hủy lệnh trực", django_capture_on_commit_callbacks)
    assert CalendarDay.objects.filter(date=date(2026, 9, 2)).count() == 1
    assert not is_working_day(date(2026, 9, 2))
    assert add_working_time(at(2026, 8, 28, 9), days=1) == at(2026, 9, 3, 17)


def test_a_declaration_is_read_back_from_the_database_once_the_cache_is_forgotten(administrator):
    assert is_working_day(date(2027, 1, 4))  # Monday, read into this process's cache
    CalendarDay.objects.create(
        date=date(2027, 1, 4), kind="day_off", reason="Nghỉ bù", declared_by=administrator
    )
    forget_calendar()
    assert not is_working_day(date(2027, 1, 4))


def test_an_unknown_kind_or_a_missing_reason_is_refused(administrator):
    with pytest.raises(InvalidInput):
        services.declare_calendar_day(actor=administrator, day=date(2026, 1, 2), kind="holiday", reason="Tết")
    with pytest.raises(InvalidInput):
        services.declare_calendar_day(actor=administrator, day=date(2026, 1, 2), kind="day_off", reason="  ")
    assert not CalendarDay.objects.exists()


def test_a_worker_builds_this_years_and_next_years_public_calendar_at_start():
    working_time._public_holidays.cache_clear()
    working_time._make_up_weekend_days.cache_clear()
    working_time.load_public_calendar(year=2031)
    kept = working_time._public_holidays.cache_info()
    working_time.is_working_day(date(2031, 9, 2))  # National Day, built already
    working_time.is_working_day(date(2032, 1, 1))
    assert kept.currsize == 2 and working_time._public_holidays.cache_info().misses == kept.misses
