"""Working time for simulated history: the core functions, answered from a calendar of office periods read
once per run (millions of dossiers add office hours to a few hundred working days); and the instants at
which people act (whole minutes in office hours)."""

import random
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from tinhso.core import caching, working_time
from tinhso.core.working_time import local_zone

CACHE_SIZE = 1 << 19
MICROSECOND = timedelta(microseconds=1)
MINUTE = 60_000_000  # in microseconds


class Calendar:
    """The office periods of every working day from `first` to `last` as wall-clock microseconds (working_time
    compares and subtracts local instants as wall-clock times too), with the office time before each, so
    adding office time or measuring it is two bisections instead of a walk over days and periods."""

    def __init__(self, first: date, last: date) -> None:
        self.zone = local_zone()
        self.epoch = datetime(1970, 1, 1, tzinfo=self.zone)
        self.low = self._wall(datetime.combine(first, datetime.min.time(), self.zone))
        self.high = self._wall(datetime.combine(last + timedelta(days=1), datetime.min.time(), self.zone))
        self.opens: list[int] = []
        self.closes: list[int] = []
        self.before: list[int] = []  # office time before each period
        self.through: list[int] = []  # office time up to each period's close
        self.days: list[date] = []  # the working days, in order
        total, day = 0, first
        while day <= last:
            if working_time.is_working_day(day):
                self.days.append(day)
                for opens, closes in working_time.office_periods(day):
                    start, end = self._wall(opens), self._wall(closes)
                    self.opens.append(start)
                    self.closes.append(end)
                    self.before.append(total)
                    total += max(0, end - start)
                    self.through.append(total)
            day += timedelta(days=1)

    def _wall(self, local: datetime) -> int:
        return (local - self.epoch) // MICROSECOND  # both in the local zone: a wall-clock difference

    def local_wall(self, instant: datetime) -> int:
        return (instant.astimezone(self.zone) - self.epoch) // MICROSECOND

    def after(self, start: datetime, amount: int, *, to_minute: bool = False) -> datetime | None:
        """add_working_time(start, hours=…) for `amount` microseconds of office time, optionally floored to
        the minute; None outside the calendar (the caller asks the core function). One call per step."""
        wall = self.add(self.local_wall(start), amount)
        if wall is None:
            return None
        return self.epoch + timedelta(microseconds=wall - wall % MINUTE if to_minute else wall)

    def add(self, wall: int, amount: int) -> int | None:
        """add_working_time(hours=…) on wall-clock microseconds; None outside the calendar."""
        if wall < self.low:
            return None
        index = bisect_right(self.closes, wall)  # the first period still open after `wall`
        if index == len(self.closes):
            return None
        opens = self.opens[index]
        target = self.before[index] + max(0, wall - opens) + amount
        last = bisect_left(self.through, target, index)  # the period in which the office time runs out
        if last == len(self.through):
            return None
        return self.opens[last] + target - self.before[last]

    def office_time(self, wall: int) -> int:
        """Office time from the calendar's first day up to `wall` (inside the calendar)."""
        index = bisect_right(self.closes, wall)
        if index == len(self.closes):
            return self.through[-1] if self.through else 0
        return self.before[index] + max(0, wall - self.opens[index])


_calendar: Calendar | None = None


def prepare(first: date, last: date) -> None:
    """Reads the calendar from `first` to `last` for this run (the core functions answer outside it)."""
    global _calendar
    _calendar = Calendar(first, last)
    _amount.cache_clear()
    _minute_amount.cache_clear()


@caching.memo("generator.office_amounts", maxsize=4096)
def _amount(hours: Decimal | float) -> int:
    """`hours` of office time as add_working_time counts them, in microseconds."""
    return timedelta(hours=float(hours)) // MICROSECOND


def add_hours(start: datetime, hours: Decimal | float) -> datetime:
    calendar, amount = _calendar, _amount(hours)
    if calendar is not None and amount > 0:
        reached = calendar.after(start, amount)
        if reached is not None:
            return reached
    return working_time.add_working_time(start, hours=hours)


def add_days(start: datetime, days: int) -> datetime:
    """add_working_time(start, days=…): when office hours close on the `days`-th working day after start's."""
    return _close_of_working_day(
        start.astimezone(local_zone()).date(), days
    ) or working_time.add_working_time(start, days=days)


def _close_of_working_day(after: date, days: int) -> datetime | None:
    """The close of the `days`-th working day after the day `after`, as add_working_time gives it; None
    outside the calendar."""
    calendar = _calendar
    if calendar is None or days < 1 or not calendar.days or not calendar.days[0] <= after:
        return None
    index = bisect_right(calendar.days, after) + days - 1
    if index >= len(calendar.days):
        return None
    return working_time.office_periods(calendar.days[index])[-1][1]


def promised_by_days(accepted_at: datetime, *, days: int, cutoff: time | None) -> datetime:
    """dossiers.services.promised_date for a procedure counted in `days`: accepted on a working day before
    the cut-off, that day counts as the first."""
    local = accepted_at.astimezone(local_zone())
    day = local.date()
    counted_from = day
    if cutoff is not None and local.time() < cutoff and working_time.is_working_day(day):
        counted_from = day - timedelta(days=1)
    promised = _close_of_working_day(counted_from, days)
    if promised is None:
        start = accepted_at - timedelta(days=1) if counted_from != day else accepted_at
        return working_time.add_working_time(start, days=days)
    return promised


def add_minutes(start: datetime, minutes: int) -> datetime:
    """`minutes` of office time after `start`, to the minute."""
    calendar, amount = _calendar, _minute_amount(minutes)
    if calendar is not None and amount > 0:
        reached = calendar.after(start, amount, to_minute=True)
        if reached is not None:
            return reached
    hours = _minute_hours(minutes)
    return working_time.add_working_time(start, hours=hours).replace(second=0, microsecond=0)


def _minute_hours(minutes: int) -> Decimal:
    return Decimal(minutes) / 60


@caching.memo("generator.minute_amounts", maxsize=8192)
def _minute_amount(minutes: int) -> int:
    """`minutes` of office time as add_working_time counts them (through hours), in microseconds."""
    return _amount(_minute_hours(minutes))


def working_time_between(start: datetime, end: datetime) -> timedelta:
    calendar = _calendar
    if calendar is not None and start <= end:
        first, last = calendar.local_wall(start), calendar.local_wall(end)
        if calendar.low <= first and last < calendar.high:
            return timedelta(microseconds=calendar.office_time(last) - calendar.office_time(first))
    return working_time.working_time_between(start, end)


OVERDUE_JOB_EVERY = timedelta(minutes=15)  # dossiers.tasks and fieldreports.tasks flag overdue records


def first_flag_after(instant: datetime) -> datetime:
    """When a quarter-hourly overdue job first sees `instant` passed (in UTC, as it records it)."""
    utc = instant.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0) + OVERDUE_JOB_EVERY


_UTC_DAYS: dict[date, str] = {}
_UTC_MINUTES = [f"T{hour:02d}:{minute:02d}:00+00:00" for hour in range(24) for minute in range(60)]


def iso_text(instant: datetime) -> str:
    """instant.isoformat(); a whole minute in UTC (most of the events' times) from texts made once, as
    datetime's own formatting costs more than the hash of the event it goes into."""
    if instant.tzinfo is not UTC or instant.second or instant.microsecond:
        return instant.isoformat()
    day = instant.date()
    prefix = _UTC_DAYS.get(day)
    if prefix is None:
        prefix = _UTC_DAYS[day] = day.isoformat()
    return prefix + _UTC_MINUTES[instant.hour * 60 + instant.minute]


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


def earlier_today(rng: random.Random, *, now: datetime) -> datetime:
    """An instant up to three hours before `now` but on its local day: a day's dossiers are numbered by the
    worker that makes that day, so one moved into the day before would take that day's numbers again."""
    midnight = datetime.combine(now.astimezone(local_zone()).date(), time(), tzinfo=local_zone())
    return max(midnight, now - timedelta(minutes=rng.randint(1, 180)))


HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 9, 5, 6, 10, 11, 10, 8, 6, 7, 8, 7, 4, 2)
