"""Months of the event log sealed by `tinhso verify-log` (issue 25): which events a run must read, and whether
what a full run reads of a sealed month is still what was sealed. Months are calendar months in UTC, the
same as the event log's partitions on PostgreSQL."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import Max, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.eventlog import CHECKPOINT_GRACE, GENESIS_HASH, log_key, mac_matches, seal_digest
from tinhso.core.models import Checkpoint, Event, SealedMonth
from tinhso.core.selectors import LogProblem, LogVerification

HASH_SPACE = 2**256


def month_of(instant: datetime) -> date:
    utc = instant.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def months_between(first: date, last: date) -> list[date]:
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    return months


def fold_of(total: int) -> str:
    """The sum of a month's event hashes, as 64 hex digits: the same whatever order they were read in."""
    return f"{total % HASH_SPACE:064x}"


@dataclass
class Plan:
    """What one run reads: the events of `scope`, the checkpoints from `first_checkpoint` on."""

    full: bool
    scope: Q = field(default_factory=Q)
    first_checkpoint: int = 0
    sealed: dict[date, SealedMonth] = field(default_factory=dict)  # valid seals still vouching, by month
    to_seal: list[date] = field(default_factory=list)  # closed months this run reads in full


def plan(result: LogVerification, *, full: bool, now: datetime | None = None) -> Plan:
    """Verifies the seals' chain and decides what to read: everything with `full`, else the months no valid
    seal vouches for (a sealed month that received events since it was sealed is read again). With no
    seal at all, everything is read as with `full`."""
    now = now or timezone.now()
    bounds = Event.objects.aggregate(high=Max("id"), first=Min("occurred_at"))
    result.high_water = bounds["high"] or 0
    problems_before = len(result)
    sealed = _verified_seals(result)
    _check_last_events(result, sealed)
    for month in _months_written_since(sealed):
        sealed.pop(month)
    if bounds["first"] is None:
        return Plan(full=True, sealed=sealed)
    months = months_between(month_of(bounds["first"]), month_of(now))
    closed = [month for month in months if month_start(next_month(month)) + CHECKPOINT_GRACE <= now]
    to_seal = [month for month in closed if month not in sealed]
    if full or not sealed or len(result) > problems_before:
        # A seal or a sealed month that no longer holds: read everything, the damage is somewhere in it.
        return Plan(full=True, sealed=sealed, to_seal=to_seal)
    unread = [month for month in months if month not in sealed]
    return Plan(
        full=False,
        scope=_scope(unread),
        first_checkpoint=_first_checkpoint(result, sealed, first_read=unread[0]),
        sealed=sealed,
        to_seal=to_seal,
    )


def compare_with_seals(result: LogVerification, plan: Plan) -> None:
    """After a full read: each sealed month must still hold the events it held when sealed."""
    if not plan.full:
        return
    for month, seal in sorted(plan.sealed.items()):
        events, total, *_last = result.months.get((month.year, month.month), [0, 0])
        if events != seal.events or fold_of(total) != seal.fold:
            message = _(
                "tháng %(month)s đã được niêm phong với %(sealed)s sự kiện, nay đọc được %(read)s sự kiện "
                "khác với lúc niêm phong: sự kiện của tháng đã bị sửa, thêm hoặc xóa."
            )
            values = {"month": f"{month:%m/%Y}", "sealed": seal.events, "read": events}
            result.append(LogProblem(message=message % values))


def _verified_seals(result: LogVerification) -> dict[date, SealedMonth]:
    """The newest valid seal of each month; a seal without the log key's MAC, or off the seals' chain, is
    reported and vouches for nothing."""
    valid: dict[date, SealedMonth] = {}
    previous_digest, key = GENESIS_HASH, log_key()
    for seal in SealedMonth.objects.order_by("id"):
        recomputed = seal_digest(
            prev_digest=seal.prev_digest,
            month=seal.month,
            events=seal.events,
            fold=seal.fold,
            last_event_id=seal.last_event_id,
            last_event_hash=seal.last_event_hash,
            high_water=seal.high_water,
            checkpoint_id=seal.checkpoint_id,
            checkpoint_digest=seal.checkpoint_digest,
            checked_at=seal.checked_at,
        )
        problem = ""
        if recomputed != seal.digest or not mac_matches(seal.digest, seal.mac, key=key):
            problem = _("niêm phong tháng %(month)s đã bị sửa hoặc tạo lại: mã xác thực không khớp.")
        elif seal.prev_digest != previous_digest:
            problem = _(
                "niêm phong tháng %(month)s không nối với niêm phong liền trước: một niêm phong đã bị xóa."
            )
        if problem:
            result.append(LogProblem(message=problem % {"month": f"{seal.month:%m/%Y}"}))
            valid.pop(seal.month, None)
        else:
            valid[seal.month] = seal
        previous_digest = seal.digest
    return valid


def _check_last_events(result: LogVerification, sealed: dict[date, SealedMonth]) -> None:
    """The newest event of each sealed month must still be there unchanged: deleting a month's events, or
    the whole log, removes it. One look-up by id per month."""
    wanted = {seal.last_event_id: seal for seal in sealed.values() if seal.last_event_id is not None}
    found = dict(Event.objects.filter(id__in=wanted).values_list("id", "hash"))
    for event_id, seal in sorted(wanted.items()):
        if found.get(event_id) != seal.last_event_hash:
            message = _(
                "sự kiện mới nhất của tháng %(month)s đã niêm phong nay không còn hoặc đã khác: "
                "sự kiện của tháng đã bị xóa hoặc sửa."
            )
            result.append(LogProblem(message=message % {"month": f"{seal.month:%m/%Y}"}, event_id=event_id))


def _months_written_since(sealed: dict[date, SealedMonth]) -> set[date]:
    """Sealed months that received events after the newest seal (a bulk load of history): read again."""
    if not sealed:
        return set()
    high_water = max(seal.high_water for seal in sealed.values())
    end = month_start(next_month(max(sealed)))
    months = (
        Event.objects.filter(id__gt=high_water, occurred_at__lt=end)
        .annotate(month=TruncMonth("occurred_at", tzinfo=UTC))
        .values_list("month", flat=True)
        .distinct()
    )
    return {month_of(month) for month in months} & set(sealed)


def _scope(unread: list[date]) -> Q:
    """The events of the unread months, one range per run of consecutive months; the last range is open so
    that an event dated after the current month is read too."""
    scope, start, previous = Q(), None, None
    for month in unread:
        if start is not None and previous is not None and month != next_month(previous):
            scope |= Q(occurred_at__gte=month_start(start), occurred_at__lt=month_start(next_month(previous)))
            start = None
        start, previous = start or month, month
    return scope | Q(occurred_at__gte=month_start(start or unread[-1]))


def _first_checkpoint(result: LogVerification, sealed: dict[date, SealedMonth], *, first_read: date) -> int:
    """The first checkpoint a run reads: the one the newest seal was chained to (it must be unchanged), or
    the first taken while the earliest month read was open, whichever is older."""
    if not sealed:
        return 0
    since = month_start(first_read) - CHECKPOINT_GRACE
    first = Checkpoint.objects.filter(taken_at__gte=since).order_by("id").values_list("id", flat=True).first()
    newest = max(sealed.values(), key=lambda seal: seal.pk)
    if newest.checkpoint_id is None:
        return first or 0
    stored = Checkpoint.objects.filter(pk=newest.checkpoint_id).values_list("digest", flat=True).first()
    if stored != newest.checkpoint_digest:
        message = _(
            "điểm kiểm này đã được niêm phong cùng tháng %(month)s nhưng nay không còn hoặc đã khác: "
            "chuỗi điểm kiểm đã bị viết lại."
        )
        values = {"month": f"{newest.month:%m/%Y}"}
        result.append(LogProblem(message=message % values, checkpoint_id=newest.checkpoint_id))
    return min(newest.checkpoint_id, first or newest.checkpoint_id)
