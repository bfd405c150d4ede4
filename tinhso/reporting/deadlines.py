"""Deadlines per level (Decree 09/2019 Art. 8.5): N working days after the cut-off or a day of the month,
worked out through core.working_time, at least one working day after the cut-off, strictly later per level."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import InvalidInput
from tinhso.core.working_time import add_working_time, is_working_day, local_zone
from tinhso.reporting.periods import Period

WORKING_DAYS = "working_days"
DAY_OF_MONTH = "day_of_month"


@dataclass(frozen=True)
class Rule:
    level: str
    kind: str
    value: int


def rules_of(raw: list[dict]) -> list[Rule]:
    rules = []
    for index, item in enumerate(raw):
        kind, value = item.get("kind"), item.get("value")
        if kind not in (WORKING_DAYS, DAY_OF_MONTH) or not isinstance(value, int) or value < 1:
            raise InvalidInput(
                _(
                    "Quy tắc thời hạn thứ %(number)s không hợp lệ: cần “working_days” hoặc “day_of_month” và một số dương."
                ),
                params={"number": index + 1},
                code="invalid_deadline_rule",
            )
        if kind == DAY_OF_MONTH and value > 28:
            raise InvalidInput(_("Ngày trong tháng phải từ 1 đến 28."), code="invalid_deadline_rule")
        rules.append(Rule(str(item.get("level") or f"{index + 1}"), kind, value))
    return rules


def deadline(rule: Rule, period: Period) -> datetime:
    """The last instant a report of this level is on time for `period`."""
    cutoff_day = period.last_day
    if rule.kind == WORKING_DAYS:
        return add_working_time(_end_of(cutoff_day) - timedelta(seconds=1), days=rule.value)
    day = cutoff_day.replace(day=rule.value)
    if day <= cutoff_day:
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        day = date(year, month, rule.value)
    return _end_of(day) - timedelta(seconds=1)


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), local_zone())


def working_days_after_cutoff(rule: Rule, period: Period) -> int:
    day, last, count = period.last_day + timedelta(days=1), deadline(rule, period).date(), 0
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


def check(raw: list[dict], periods: list[Period]) -> list[Rule]:
    """The rules, or a refusal naming the level and period that break Art. 8.5."""
    rules = rules_of(raw)
    if not rules:
        raise InvalidInput(_("Chưa có thời hạn gửi báo cáo."), code="deadline_missing")
    for period in periods:
        previous = None
        for rule in rules:
            if working_days_after_cutoff(rule, period) < 1:
                raise InvalidInput(
                    _(
                        "Thời hạn cấp “%(level)s” kỳ %(period)s cách ngày chốt số liệu dưới 1 ngày làm việc "
                        "(Nghị định 09/2019, Điều 8 khoản 5)."
                    ),
                    params={"level": rule.level, "period": period.id},
                    code="deadline_too_close",
                    level=rule.level,
                    period=period.id,
                )
            due = deadline(rule, period)
            if previous is not None and due <= previous:
                raise InvalidInput(
                    _("Thời hạn cấp “%(level)s” kỳ %(period)s phải sau thời hạn của cấp dưới."),
                    params={"level": rule.level, "period": period.id},
                    code="deadline_order",
                    level=rule.level,
                    period=period.id,
                )
            previous = due
    return rules
