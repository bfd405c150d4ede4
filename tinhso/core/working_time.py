"""Working time: the only place that does date arithmetic for legal deadlines.

Working days are Monday to Friday, less Vietnamese public holidays (from `holidays`, lunar dates
included), less days an administrator declared off, plus make-up weekend days (from `holidays` or declared).
Office hours come from TINHSO_OFFICE_HOURS. Instants are aware datetimes; results are in local time.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from tinhso.core import caching

# Declared days are re-read at most this often, so every process sees an administrator's change soon.
_DECLARED_DAYS = caching.Kept("core.declared_days", seconds=60.0, max_entries=64)
# No real calendar has a year without working days; past this the calendar itself is wrong.
_MAX_DAYS_SCANNED = 3 * 366
# Working days a data owner has to answer a request to share data (Decree 194/2025 amending Decree 47/2020
# Art. 35(3)): the shared-data register's access requests and the integration platform's grant requests.
DATA_SHARING_ANSWER_DAYS = 2


def local_zone() -> ZoneInfo:
    return timezone.get_default_timezone()  # cached by Django, and dropped when TIME_ZONE changes


@caching.memo("core.public_holidays", maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


@caching.memo("core.make_up_weekend_days", maxsize=64)
def _make_up_weekend_days(year: int) -> frozenset[date]:
    """Weekend days the government ordered worked in exchange for a day off (e.g. Saturday 22/8/2026)."""
    return frozenset(
        day for day in holidays.country_holidays("VN", years=year).weekend_workdays if day.year == year
    )


def load_public_calendar(*, year: int) -> None:
    """Builds this year's and next year's public holidays now: the first build in a process imports every
    country of `holidays` (most of a second), which a worker should pay at start, not in a request."""
    for each in (year, year + 1):
        _public_holidays(each)
        _make_up_weekend_days(each)


def _declared_days(year: int) -> dict[date, str]:
    from tinhso.core.models import CalendarDay

    return _DECLARED_DAYS.get(
        year, lambda: dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    )


def forget_calendar() -> None:
    """Drops this process's copy of declared days (called after an administrator declares one)."""
    _DECLARED_DAYS.clear()


def is_working_day(day: date) -> bool:
    declared = _declared_days(day.year).get(day)
    if declared is not None:
        return declared == "working_day"
    if day.weekday() >= 5:
        return day in _make_up_weekend_days(day.year)
    return day not in _public_holidays(day.year)


def _require_aware(*instants: datetime) -> None:
    # A naive instant would silently be read in the server's zone, not Asia/Ho_Chi_Minh.
    if any(instant.utcoffset() is None for instant in instants):
        raise ValueError("Instants must carry a time zone.")


def office_periods(day: date) -> list[tuple[datetime, datetime]]:
    return _office_periods(day, local_zone(), _office_hours())


@caching.memo("core.office_periods", maxsize=4096)
def _office_periods(day: date, zone: ZoneInfo, hours: tuple) -> list[tuple[datetime, datetime]]:
    return [(datetime.combine(day, start, zone), datetime.combine(day, end, zone)) for start, end in hours]


@caching.memo("core.office_hours", maxsize=1)
def _office_hours() -> tuple:
    return tuple(tuple(period) for period in settings.TINHSO_OFFICE_HOURS)


@receiver(setting_changed)
def _forget_office_hours(*, setting: str, **kwargs) -> None:
    if setting == "TINHSO_OFFICE_HOURS":
        _office_hours.cache_clear()


def _working_days_from(day: date):
    # The limit is on a run of days off, not on the whole scan: long deadlines stay possible.
    days_off = 0
    while days_off < _MAX_DAYS_SCANNED:
        if is_working_day(day):
            days_off = 0
            yield day
        else:
            days_off += 1
        day += timedelta(days=1)
    raise ValueError(
        f"No working day within {_MAX_DAYS_SCANNED} days before {day}: check the declared calendar."
    )


def add_working_time(start: datetime, *, days: int = 0, hours: float | Decimal = 0) -> datetime:
    """The instant `days` whole working days, or `hours` office hours, after `start`.

    Days count from the working day after `start` and end when office hours close on the last one.
    Hours count only office time, starting at `start` or at the next opening.
    """
    if (days > 0) == (hours > 0) or days < 0 or hours < 0 or days != int(days):
        raise ValueError("Give exactly one positive amount: whole days or hours.")
    _require_aware(start)
    local_start = start.astimezone(local_zone())
    if days:
        working_days = _working_days_from(local_start.date() + timedelta(days=1))
        for _ in range(int(days)):
            last_day = next(working_days)
        return office_periods(last_day)[-1][1]
    return _office_time_reached(local_start, timedelta(hours=float(hours)), latest=False)


def latest_within(start: datetime, *, office_time: timedelta) -> datetime:
    """The latest instant with at most `office_time` of office time after `start`: the same instant as
    add_working_time when office hours go on, else the next opening. `t <= latest_within(start, office_time=d)`
    tells `working_time_between(start, t) <= d` for any later `t` without walking the days to each."""
    _require_aware(start)
    return _office_time_reached(start.astimezone(local_zone()), office_time, latest=True)


def _office_time_reached(local_start: datetime, remaining: timedelta, *, latest: bool) -> datetime:
    for day in _working_days_from(local_start.date()):
        for opens, closes in office_periods(day):
            begin = max(opens, local_start)
            if begin >= closes:
                continue
            if remaining < closes - begin or (remaining == closes - begin and not latest):
                return begin + remaining
            remaining -= closes - begin
    raise AssertionError("unreachable: _working_days_from is unbounded until it raises")


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """Office time on working days between two instants (negative when `end` is before `start`)."""
    _require_aware(start, end)
    if end < start:
        return -working_time_between(end, start)
    zone = local_zone()
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = timedelta()
    day = local_start.date()
    while day <= local_end.date():
        if is_working_day(day):
            for opens, closes in office_periods(day):
                overlap = min(closes, local_end) - max(opens, local_start)
                if overlap > timedelta():
                    total += overlap
        day += timedelta(days=1)
    return total


def working_day_length() -> timedelta:
    return sum((closes - opens for opens, closes in office_periods(date(2000, 1, 3))), timedelta())
