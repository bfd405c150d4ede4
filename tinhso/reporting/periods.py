"""Reporting periods: Decree 09/2019 Art. 12 cut-offs (the 15th of the month before to the 14th) by default,
calendar periods for statistical regimes. Ids are stable: 2026M03, 2026Q1, 2026S1, 2026S2, 2026N9, 2026.
A period's instants are [start, end) in Asia/Ho_Chi_Minh; dates shown are its first and last day."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import InvalidInput
from tinhso.core.working_time import local_zone

DECREE_09 = "decree09"
CALENDAR = "calendar"
MODES = (DECREE_09, CALENDAR)
# Frequency → (months in the period, periods a year); N9 is the nine months provinces add (15/12 to 14/9).
FREQUENCIES = {"M": 1, "Q": 3, "S": 6, "N9": 9, "Y": 12}
CUTOFF_DAY = 15  # Art. 12: a Decree 09 period starts on the 15th and ends on the 14th
_ID = re.compile(
    r"^(?P<year>\d{4})(?:M(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])|S(?P<half>[12])|(?P<nine>N9))?$"
)


@dataclass(frozen=True, order=True)
class Period:
    """`months` months ending with month `last_month` of `year`, under a cut-off `mode`."""

    year: int
    last_month: int
    months: int
    mode: str = DECREE_09

    @property
    def frequency(self) -> str:
        return {1: "M", 3: "Q", 6: "S", 9: "N9", 12: "Y"}[self.months]

    @property
    def id(self) -> str:
        if self.months == 1:
            return f"{self.year}M{self.last_month:02d}"
        if self.months == 3:
            return f"{self.year}Q{self.last_month // 3}"
        if self.months == 6:
            return f"{self.year}S{self.last_month // 6}"
        if self.months == 9:
            return f"{self.year}N9"
        return str(self.year)

    @property
    def first_day(self) -> date:
        year, month = _shift(self.year, self.last_month, 1 - self.months)
        if self.mode == CALENDAR:
            return date(year, month, 1)
        year, month = _shift(year, month, -1)
        return date(year, month, CUTOFF_DAY)

    @property
    def last_day(self) -> date:
        if self.mode == CALENDAR:
            year, month = _shift(self.year, self.last_month, 1)
            return date(year, month, 1) - timedelta(days=1)
        return date(self.year, self.last_month, CUTOFF_DAY - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), local_zone())

    @property
    def end(self) -> datetime:
        """The first instant after the cut-off."""
        return datetime.combine(self.last_day + timedelta(days=1), datetime.min.time(), local_zone())

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def previous(self) -> "Period":
        """The period just before; for the nine months and the year, the same span a year earlier."""
        if self.months in (1, 3, 6):
            year, month = _shift(self.year, self.last_month, -self.months)
            return Period(year, month, self.months, self.mode)
        return Period(self.year - 1, self.last_month, self.months, self.mode)

    def year_before(self) -> "Period":
        return Period(self.year - 1, self.last_month, self.months, self.mode)

    def months_to_date(self) -> list["Period"]:
        """The months of the reporting year up to this period's last month (what a year-to-date sums)."""
        return [Period(self.year, month, 1, self.mode) for month in range(1, self.last_month + 1)]

    def label(self) -> str:
        """The period's name and its first and last day, in the active language."""
        names = {
            1: _("Tháng %(month)s/%(year)s"),
            3: _("Quý %(quarter)s/%(year)s"),
            6: _("6 tháng đầu năm %(year)s") if self.last_month == 6 else _("6 tháng cuối năm %(year)s"),
            9: _("9 tháng năm %(year)s"),
            12: _("Năm %(year)s"),
        }
        name = names[self.months] % {
            "month": f"{self.last_month:02d}",
            "quarter": self.last_month // 3,
            "year": self.year,
        }
        return f"{name} ({self.first_day:%d/%m/%Y} – {self.last_day:%d/%m/%Y})"


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def parse(period_id: str, *, mode: str = DECREE_09) -> Period:
    match = _ID.match(period_id or "")
    if not match:
        raise InvalidInput.on(
            "period",
            _("Mã kỳ “%(period)s” không hợp lệ: dùng 2026M03, 2026Q1, 2026S1, 2026N9 hoặc 2026."),
            params={"period": period_id},
            code="invalid_period",
        )
    year = int(match["year"])
    if match["month"]:
        return Period(year, int(match["month"]), 1, mode)
    if match["quarter"]:
        return Period(year, int(match["quarter"]) * 3, 3, mode)
    if match["half"]:
        return Period(year, int(match["half"]) * 6, 6, mode)
    if match["nine"]:
        return Period(year, 9, 9, mode)
    return Period(year, 12, 12, mode)


def containing(instant: datetime, *, frequency: str, mode: str = DECREE_09) -> Period:
    """The period of `frequency` holding `instant` (for N9, the nine months only if they hold it)."""
    local = instant.astimezone(local_zone()).date()
    year, month = local.year, local.month
    if mode == DECREE_09 and local.day >= CUTOFF_DAY:
        year, month = _shift(year, month, 1)
    months = FREQUENCIES[frequency]
    if frequency == "N9":
        if month > 9:
            raise InvalidInput.on("period", _("Ngày này nằm ngoài kỳ 9 tháng."), code="outside_period")
        return Period(year, 9, 9, mode)
    last = ((month - 1) // months + 1) * months
    return Period(year, last, months, mode)


def of_year(year: int, *, frequency: str, mode: str = DECREE_09) -> list[Period]:
    months = FREQUENCIES[frequency]
    if frequency == "N9":
        return [Period(year, 9, 9, mode)]
    return [Period(year, last, months, mode) for last in range(months, 13, months)]
