"""Working time for simulated history: the core functions, memoised, since millions of dossiers share the
same few thousand minutes; and the instants at which people act (whole minutes in office hours)."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from tinhso.core import working_time
from tinhso.core.working_time import local_zone

CACHE_SIZE = 1 << 19


@lru_cache(maxsize=CACHE_SIZE)
def add_hours(start: datetime, hours: Decimal) -> datetime:
    return working_time.add_working_time(start, hours=hours)


@lru_cache(maxsize=CACHE_SIZE)
def add_days(start: datetime, days: int) -> datetime:
    return working_time.add_working_time(start, days=days)


def add_minutes(start: datetime, minutes: int) -> datetime:
    """`minutes` of office time after `start`, to the minute."""
    return add_hours(start, Decimal(minutes) / 60).replace(second=0, microsecond=0)


OVERDUE_JOB_EVERY = timedelta(minutes=15)  # dossiers.tasks and fieldreports.tasks flag overdue records


def first_flag_after(instant: datetime) -> datetime:
    """When a quarter-hourly overdue job first sees `instant` passed (in UTC, as it records it)."""
    utc = instant.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0) + OVERDUE_JOB_EVERY


def working_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if working_time.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def office_instant(rng: random.Random, day: date) -> datetime:
    """A random minute of the day's office hours, mostly in the morning as at real desks."""
    periods = working_time.office_periods(day)
    opens, closes = periods[0] if len(periods) == 1 or rng.random() < 0.62 else periods[1]
    span = int((closes - opens).total_seconds() // 60)
    return opens + timedelta(minutes=rng.randrange(span))


def any_instant(rng: random.Random, day: date) -> datetime:
    """A random minute of the whole day, for online submissions, weighted to the day time."""
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=local_zone())


HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 9, 5, 6, 10, 11, 10, 8, 6, 7, 8, 7, 4, 2)
