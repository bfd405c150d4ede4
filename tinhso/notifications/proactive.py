"""The finders behind proactive rules: who, from the data the platform holds, is due for a procedure. Each
kind reads, never writes; `ProactiveRule.params` sets it up. A finding is (person, key, date due): the key
says what it is about (an age, a dossier code), so a person is told of it once."""

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from tinhso.core.models import PopulationRecord, User
from tinhso.dossiers.models import Dossier
from tinhso.notifications.models import ProactiveRule

CHUNK = 5000


@dataclass(frozen=True)
class Finding:
    user_id: int
    key: str
    due_on: date


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=last)
        except ValueError:
            continue
    raise ValueError(day)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def birthday(born: date, age: int) -> date:
    """The day a person reaches `age`; one born on 29 February reaches it on 28 February of a common year."""
    return years_before(born, -age)


def _age_milestone(rule: ProactiveRule, today: date) -> Iterator[Finding]:
    """People with an account whose birthday of one of `ages` falls from today to today + lead days."""
    horizon = today + timedelta(days=rule.lead_days)
    for age in rule.params["ages"]:
        latest = years_before(horizon, age)
        if (latest.month, latest.day) == (2, 28) and calendar.isleap(latest.year):
            latest = latest.replace(day=29)  # their birthday this year is 28 February too
        records = PopulationRecord.objects.filter(
            birth_date__range=(years_before(today, age), latest)
        ).values_list("citizen_id", "birth_date")
        batch: list[tuple[str, date]] = []
        for record in records.iterator(chunk_size=CHUNK):
            batch.append(record)
            if len(batch) == CHUNK:
                yield from _with_accounts(batch, age)
                batch = []
        yield from _with_accounts(batch, age)


def _with_accounts(records: list[tuple[str, date]], age: int) -> Iterator[Finding]:
    born = dict(records)
    accounts = User.objects.filter(citizen_id__in=list(born), is_active=True).values_list("pk", "citizen_id")
    for user_id, citizen_id in accounts:
        yield Finding(user_id, f"age-{age}", birthday(born[str(citizen_id)], age))


def _results(rule: ProactiveRule, finished_from: date, finished_to: date):  # type: ignore[no-untyped-def]
    """Finished dossiers of the rule's source procedures, finished in the range, whose applicant has not
    submitted the rule's procedure since."""
    since = Dossier.objects.filter(
        applicant=OuterRef("applicant"),
        procedure__code=rule.procedure_code,
        submitted_at__gte=OuterRef("finished_at"),
    )
    return (
        Dossier.objects.filter(
            procedure__code__in=rule.params["after"],
            finished_at__gte=_start_of(finished_from),
            finished_at__lt=_start_of(finished_to + timedelta(days=1)),
            applicant__isnull=False,
        )
        .exclude(Exists(since))
        .values_list("applicant_id", "code", "finished_at")
    )


def _after_result(rule: ProactiveRule, today: date) -> Iterator[Finding]:
    """After a result (a birth registered), the procedure that should follow within `within_days`; told
    while it is still ahead (from the result until lead days before the end)."""
    within = rule.params["within_days"]
    for applicant, code, finished_at in _results(rule, today - timedelta(days=within), today).iterator(CHUNK):
        yield Finding(applicant, code, timezone.localdate(finished_at) + timedelta(days=within))


def _before_expiry(rule: ProactiveRule, today: date) -> Iterator[Finding]:
    """A permit or certificate issued `valid_months` ago expires within lead days."""
    months = rule.params["valid_months"]
    horizon = today + timedelta(days=rule.lead_days)
    issued_from, issued_to = months_after(today, -months), months_after(horizon, -months)
    for applicant, code, finished_at in _results(rule, issued_from, issued_to).iterator(CHUNK):
        yield Finding(applicant, code, months_after(timezone.localdate(finished_at), months))


def next_on(today: date, month: int, day: int) -> date:
    """The next `day`/`month` from today on (today itself included)."""
    this_year = date(today.year, month, day)
    return this_year if this_year >= today else date(today.year + 1, month, day)


def _annual(rule: ProactiveRule, today: date) -> Iterator[Finding]:
    """Holders of a standing result (a business household registered before the day), not ended by one of
    the `until` procedures since, told once a year from lead days before the obligation's fixed day."""
    due = next_on(today, rule.params["month"], rule.params["day"])
    if due > today + timedelta(days=rule.lead_days):
        return
    ended = Dossier.objects.filter(
        applicant=OuterRef("applicant"),
        procedure__code__in=rule.params["until"],
        finished_at__gte=OuterRef("finished_at"),
    )
    holders = (
        Dossier.objects.filter(
            procedure__code__in=rule.params["after"], finished_at__lt=_start_of(due), applicant__isnull=False
        )
        .exclude(Exists(ended))
        .values_list("applicant_id", "code")
    )
    for applicant, code in holders.iterator(CHUNK):
        yield Finding(applicant, f"{code}-{due.year}", due)


FINDERS: dict[str, Callable[[ProactiveRule, date], Iterator[Finding]]] = {
    ProactiveRule.Kind.AGE_MILESTONE: _age_milestone,
    ProactiveRule.Kind.AFTER_RESULT: _after_result,
    ProactiveRule.Kind.BEFORE_EXPIRY: _before_expiry,
    ProactiveRule.Kind.ANNUAL: _annual,
}
