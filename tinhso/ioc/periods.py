"""Reporting periods of the national portal: a month (2026-04), a quarter (2026-Q2) or a year (2026)."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.errors import InvalidInput
from tinhso.core.working_time import local_zone

KINDS = ("month", "quarter", "year")
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$")
# Years a period may name: a trend reaches a year back and a period's end a month on, inside datetime's range.
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    months: int

    @property
    def kind(self) -> str:
        return {1: "month", 3: "quarter", 12: "year"}[self.months]

    @property
    def key(self) -> str:
        if self.months == 1:
            return f"{self.year}-{self.first_month:02d}"
        if self.months == 3:
            return f"{self.year}-Q{(self.first_month - 1) // 3 + 1}"
        return str(self.year)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.first_month, 1, tzinfo=local_zone())

    @property
    def end(self) -> datetime:
        """The first instant after the period: an open record is judged here, at the end of its last day."""
        month = self.first_month + self.months
        return datetime(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=local_zone())

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def label(self) -> str:
        if self.months == 1:
            return _("Tháng %(month)s/%(year)s") % {"month": self.first_month, "year": self.year}
        if self.months == 3:
            return _("Quý %(quarter)s/%(year)s") % {
                "quarter": (self.first_month - 1) // 3 + 1,
                "year": self.year,
            }
        return _("Năm %(year)s") % {"year": self.year}

    def months_in(self) -> list["Period"]:
        return [month(self.year, self.first_month + index) for index in range(self.months)]

    def previous_months(self, count: int) -> list["Period"]:
        """The `count` months ending with this period's last month, oldest first."""
        last = self.first_month + self.months - 1
        return [month(self.year, last - index) for index in range(count - 1, -1, -1)]


def month(year: int, number: int) -> Period:
    year += (number - 1) // 12
    return Period(year, (number - 1) % 12 + 1, 1)


def of(instant: datetime, kind: str = "month") -> Period:
    local = instant.astimezone(local_zone())
    if kind == "month":
        return Period(local.year, local.month, 1)
    if kind == "quarter":
        return Period(local.year, (local.month - 1) // 3 * 3 + 1, 3)
    return Period(local.year, 1, 12)


def containing(instant: datetime) -> list[Period]:
    """The month, quarter and year that hold `instant`."""
    return [of(instant, kind) for kind in KINDS]


def parse(key: str) -> Period:
    match = _PATTERN.match(key or "")
    if not match:
        raise InvalidInput.on(
            "period", gettext_lazy("Kỳ báo cáo phải có dạng 2026-04 (tháng), 2026-Q2 (quý) hoặc 2026 (năm).")
        )
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput.on(
            "period",
            gettext_lazy("Kỳ báo cáo phải thuộc các năm %(first)s–%(last)s."),
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    if match["month"]:
        return Period(year, int(match["month"]), 1)
    if match["quarter"]:
        return Period(year, (int(match["quarter"]) - 1) * 3 + 1, 3)
    return Period(year, 1, 12)


def through(first: Period, last_month: Period) -> list[Period]:
    """Every month, quarter and year from the one holding `first`'s start up to `last_month`."""
    periods: list[Period] = []
    for kind in KINDS:
        current = of(first.start, kind)
        while current.start <= last_month.start:
            periods.append(current)
            current = of(current.end, kind)
    return periods
