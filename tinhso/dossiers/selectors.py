"""Reads of dossiers, each with the acting user's scope applied; tracking is public and shows no person."""

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypedDict, cast

from django.db import connection, connections, router
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, When, Window
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from unidecode import unidecode

from tinhso.catalog.models import Procedure, ProcessStep, RequiredDocument
from tinhso.core import caching, permissions
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import NotFound
from tinhso.core.eventlog import stream_of
from tinhso.core.language import in_active_language
from tinhso.core.lifecycle import Party, Transition
from tinhso.core.models import AdminUnit, Domain, Event, Role, User
from tinhso.core.paging import Page, cursor_of, keyset_page, parse_cursor
from tinhso.core.working_time import latest_within, local_zone
from tinhso.dossiers import events, lifecycle, queue_sql
from tinhso.dossiers.models import Channel, Dossier, DossierDocument, Status

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Due(TypedDict):
        due: datetime | None

    class _Counted(TypedDict):
        due: datetime | None
        queue_total: int

    # A dossier of a queue carries its due time for the actor (`_queue`); the first page's, the queue's size.
    Queued = WithAnnotations[Dossier, _Due]
    Counted = WithAnnotations[Dossier, _Counted]

# A queue's order: soonest due first, a dossier without a due time last; its id breaks ties (the keyset).
_QUEUE_ORDER = (F("due").asc(nulls_last=True), "pk")

# A dossier is flagged near due when less office time than this is left before its due time.
NEAR_DUE = timedelta(hours=4)
OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.FINISHED)
# Who answers when another agency is consulted (liên thông) about a dossier.
# The roles of core.permissions.MATRIX, the one table of who may do what.
CONSULTED_ROLES = tuple(sorted(permissions.roles_for(Domain.DOSSIERS, "answer_consultation")))
# Rows per page of the lists that grow with the years: a citizen's dossiers, an official's queue.
PAGE_SIZE = 50


def visible_dossiers(actor: User) -> QuerySet[Dossier]:
    """A citizen sees their own dossiers; an official those received, decided or held by their units."""
    if actor.is_citizen:
        return Dossier.objects.filter(applicant=actor)
    units = core_selectors.units_for(actor, domain=Domain.DOSSIERS, action="view").values("pk")
    return Dossier.objects.filter(
        Q(receiving_unit__in=units)
        | Q(authority_unit__in=units)
        | Q(current_unit__in=units)
        | Q(consulted_unit__in=units)
    )


def dossier_for(*, actor: User, code: str) -> Dossier:
    dossier = (
        visible_dossiers(actor)
        .select_related("procedure", "receiving_unit", "authority_unit", "current_step", "current_unit")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise NotFound(
            gettext_lazy("Không tìm thấy hồ sơ “%(code)s”."),
            params={"code": code},
            code="dossier_not_found",
            value=code,
        )
    return dossier


def citizen_dossiers(*, actor: User) -> QuerySet[Dossier]:
    return (
        Dossier.objects.filter(applicant=actor)
        .select_related("procedure", "receiving_unit", "current_step")
        .order_by("-submitted_at", "-pk")
    )


class CitizenRow(NamedTuple):
    """What a citizen's list shows of one of their dossiers, and what says whether a fee is owed, read as
    values instead of a dossier and its procedure (a tuple: a frozen dataclass sets each field through
    object.__setattr__)."""

    pk: int
    code: str
    status: int
    submitted_at: datetime | None
    promised_at: datetime | None
    applicant_id: int
    procedure_code: str
    procedure_name: str
    procedure_fee: Decimal | None


_CITIZEN_LISTED = (
    "pk",
    "code",
    "status",
    "submitted_at",
    "promised_at",
    "applicant_id",
    "procedure__code",
    "procedure__name",
    "procedure__fee",
)


def citizen_dossier_page(*, actor: User, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """The citizen's dossiers newest first, `size` at a time after `cursor` (keyset: submission time, id), a
    CitizenRow each. The first page, the one every visit opens, is read on PostgreSQL by its statement compiled
    once per process (the ORM compiling it and making 32 instances cost the page about a quarter of its Python
    calls); PostgreSQL's rows need none of the ORM's converters."""
    if not cursor and connection.vendor == "postgresql":
        with connections[router.db_for_read(Dossier)].cursor() as rows:
            rows.execute(_citizen_first_page_statement(size + 1), (actor.pk,))
            found = [CitizenRow(*row) for row in rows.fetchall()]
        last = found[size - 1] if len(found) > size else None
        return Page(found[:size], cursor_of(last.submitted_at, last.pk) if last else None)
    listed = citizen_dossiers(actor=actor).values(*_CITIZEN_LISTED)
    page = keyset_page(listed, field="submitted_at", cursor=cursor, size=size, newest_first=True)
    return Page(
        [CitizenRow(*(row[name] for name in _CITIZEN_LISTED)) for row in page.items], page.next_cursor
    )


@caching.memo("dossiers.citizen_first_page_statement", maxsize=8)
def _citizen_first_page_statement(limit: int) -> str:
    """The first page's statement, its only parameter the citizen's id."""
    rows = (
        Dossier.objects.filter(applicant_id=0).order_by("-submitted_at", "-pk").values_list(*_CITIZEN_LISTED)
    )
    statement, params = rows[:limit].query.sql_with_params()
    if tuple(params) != (0,):
        raise AssertionError(f"the citizen's first page has parameters {params!r}, not only their id")
    return statement


@dataclass(frozen=True)
class QueueItem:
    dossier: Dossier
    due_at: datetime | None
    overdue: bool
    near_due: bool

    @property
    def pk(self) -> int:
        return self.dossier.pk


class QueueRow(NamedTuple):
    """What the queue page shows of a waiting dossier, read as values instead of a model instance (a tuple, as
    CitizenRow)."""

    pk: int
    code: str
    status: int
    procedure_code: str
    procedure_name: str
    step_name: str  # in the active language; "" at no step
    due_at: datetime | None
    overdue: bool
    near_due: bool


def _units_per_role(actor: User) -> dict[str, list[int]]:
    """The ids of the units (with their subtrees) over which the actor holds each role: two queries for
    all the roles, and ids the planner matches against the dossiers' unit indexes. Kept on the actor's object
    (one request's), so a page reading the queue twice (its rows and its filter's choices) reads them once."""
    known: dict[str, list[int]] | None = actor.__dict__.get("_dossier_units_per_role")
    if known is not None:
        return known
    per_role = _read_units_per_role(actor)
    actor.__dict__["_dossier_units_per_role"] = per_role
    return per_role


def _read_units_per_role(actor: User) -> dict[str, list[int]]:
    assignments = core_selectors.roles_in_force(actor, domain=Domain.DOSSIERS)
    if not assignments:
        return {}
    paths = tuple(sorted({assignment.unit.path for assignment in assignments}))
    statement, params = _units_statement(paths, connection.vendor)
    with connections[router.db_for_read(AdminUnit)].cursor() as cursor:
        cursor.execute(statement, params)
        units: list[tuple[int, str]] = cursor.fetchall()
    per_role: dict[str, list[int]] = {}
    for role in dict.fromkeys(assignment.role for assignment in assignments):
        paths = tuple(assignment.unit.path for assignment in assignments if assignment.role == role)
        per_role[role] = [pk for pk, path in units if path.startswith(paths)]
    return per_role


@caching.memo("dossiers.units_statement", maxsize=1024)
def _units_statement(paths: tuple[str, ...], vendor: str) -> tuple[str, tuple[Any, ...]]:
    """(id, path) of the units under any of `paths`, compiled once per process (ids and text need none of the
    ORM's converters on any database)."""
    condition = Q()
    for path in paths:
        condition |= core_selectors.under_path(path)
    statement, params = AdminUnit.objects.filter(condition).values_list("pk", "path").query.sql_with_params()
    return statement, tuple(params)


def _queue_conditions(per_role: tuple[tuple[str, tuple[int, ...]], ...]) -> tuple[Q, Q]:
    """Which dossiers wait for the holder of each role over its units, and which of those are at a step they
    hold (the others wait for their unit as the consulted agency)."""
    waiting, holds_step = Q(pk__in=[]), Q(pk__in=[])
    for role, units in per_role:
        at_step = Q(current_step__role=role, current_unit__in=units)
        holds_step |= at_step
        waiting |= Q(status__in=(Status.ACCEPTED, Status.PROCESSING, Status.FINISHED)) & at_step
        if role == Role.RECEPTIONIST:
            waiting |= Q(status=Status.NEW, receiving_unit__in=units)
        if role in CONSULTED_ROLES:
            waiting |= Q(status=Status.PROCESSING, consulted_unit__in=units)
    return waiting, holds_step


def _queue(actor: User) -> "QuerySet[Queued]":
    """The actor's queue with each dossier's due time for them: the acknowledgement clock for a new one, the
    consultation's for a consulted agency, otherwise the step's. Built once per process for the same units of
    each role (building its conditions cost a queue page about an eighth of its Python calls); the copy handed
    out is a clone, so the kept one is never evaluated."""
    return _build_queue(_per_role(actor)).all()


def _per_role(actor: User) -> tuple[tuple[str, tuple[int, ...]], ...]:
    return tuple((role, tuple(units)) for role, units in _units_per_role(actor).items())


@caching.memo("dossiers.queue", maxsize=1024)
def _build_queue(per_role: tuple[tuple[str, tuple[int, ...]], ...]) -> "QuerySet[Queued]":
    waiting, holds_step = _queue_conditions(per_role)
    due = Case(
        When(Q(consulted_unit__isnull=False) & ~holds_step, then=F("consult_due_at")),
        When(status=Status.NEW, then=F("acknowledge_due_at")),
        default=F("step_due_at"),
    )
    return Dossier.objects.filter(waiting).annotate(due=due)


def official_queue(
    *, actor: User, now: datetime | None = None, cursor: str = "", size: int | None = None
) -> list[QueueItem]:
    """New dossiers at the actor's desks, and dossiers at a step for a role the actor holds over its unit.

    Soonest due first (so overdue, then near due; a dossier without a due time last), `size` at a time after
    `cursor` (keyset: due time, id), all of them without a size. Each dossier comes whole, with what the
    API shows of it."""
    now = now or timezone.now()
    dossiers = _after(_queue(actor), cursor).order_by(*_QUEUE_ORDER)
    return _read_whole(dossiers, limit=size, now=now, counted=False)[0]


@dataclass(frozen=True)
class QueueFilter:
    """What an official narrows the queue to; every part optional."""

    text: str = ""  # a dossier code (as the receipt prints it) or words of the procedure's name, any accents
    procedure: str = ""  # procedure code
    status: int | None = None
    submitted_from: date | None = None  # local days, both ends included
    submitted_to: date | None = None
    overdue: bool = False

    def __bool__(self) -> bool:
        return self != QueueFilter()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def _filtered(queue: "QuerySet[Queued]", filters: QueueFilter | None, now: datetime) -> "QuerySet[Queued]":
    if not filters:
        return queue
    if filters.text.strip():
        words = unidecode(filters.text).lower().split()
        code = receipt_code(filters.text)
        by_name = Q()
        for word in words:
            by_name &= Q(procedure__search_text__contains=word)
        queue = queue.filter(Q(code__contains=code) | by_name if code else by_name)
    if filters.procedure:
        queue = queue.filter(procedure__code=filters.procedure)
    if filters.status is not None:
        queue = queue.filter(status=filters.status)
    if filters.submitted_from:
        queue = queue.filter(submitted_at__gte=_day_start(filters.submitted_from))
    if filters.submitted_to:
        queue = queue.filter(submitted_at__lt=_day_start(filters.submitted_to + timedelta(days=1)))
    if filters.overdue:
        queue = queue.filter(due__lt=now)
    return queue


def queue_procedures(*, actor: User, whole_queue: list[QueueRow] | None = None) -> list[tuple[str, str]]:
    """(code, name) of the procedures of the dossiers waiting for the actor, for the queue's filter: from
    `whole_queue` when a page already holds every one of them (the first page of an unfiltered queue with no
    next page), else by a statement of their own."""
    if whole_queue is not None:
        rows: Iterable[tuple[str, str]] = [(row.procedure_code, row.procedure_name) for row in whole_queue]
    elif connection.vendor == "postgresql":
        statement, params = queue_sql.procedures(per_role=_per_role(actor))
        with connections[router.db_for_read(Dossier)].cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
    else:
        rows = _queue(actor).order_by().values_list("procedure__code", "procedure__name").distinct()
    return _choices(rows)


def _choices(procedures: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(code, name) of procedures each once, by name, as the filter lists them."""
    return sorted(set(procedures), key=lambda row: row[1])


def official_queue_page(
    *, actor: User, cursor: str = "", size: int = PAGE_SIZE, filters: QueueFilter | None = None
) -> Page:
    """A page of the queue (narrowed by `filters`), and how many dossiers it holds: a QueueRow for each, with
    what the queue page shows (code, status, procedure and step names, due time)."""
    if not (cursor or filters) and connection.vendor == "postgresql":
        return _first_page(actor, size)[0]
    return _queue_page(actor, cursor, size, _read_listed, filters)


def queue_page_and_procedures(
    *, actor: User, cursor: str = "", filters: QueueFilter | None = None
) -> tuple[Page, list[tuple[str, str]]]:
    """What the queue page reads: a page of the queue (`official_queue_page`, PAGE_SIZE rows) and the procedures
    of the whole queue for its filter (`queue_procedures`); the unfiltered first page on PostgreSQL reads both
    by one statement."""
    if not (cursor or filters) and connection.vendor == "postgresql":
        return _first_page(actor, PAGE_SIZE)
    page = official_queue_page(actor=actor, cursor=cursor, size=PAGE_SIZE, filters=filters)
    whole = page.items if not (filters or cursor or page.next_cursor) else None
    return page, queue_procedures(actor=actor, whole_queue=whole)


def _first_page(actor: User, size: int) -> tuple[Page, list[tuple[str, str]]]:
    """The unfiltered first page, the one every visit opens, and the queue's procedures, read from the indexes
    of open dossiers by a statement written once per process for the same units of each role (`queue_sql`):
    the ORM's read every waiting dossier with its procedure and step to count and sort them. On PostgreSQL."""
    statement, params = queue_sql.first_page(per_role=_per_role(actor), limit=size + 1)
    with connections[router.db_for_read(Dossier)].cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    dossiers = [row for row in found if row[0] is not None]
    procedures = _choices((row[3], row[4]) for row in found if row[0] is None)
    return _page(*_listed_rows(dossiers, now=timezone.now(), counted=True), size=size), procedures


def official_queue_page_in_full(*, actor: User, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """The same page with each dossier whole, as the API shows it (a QueueItem each)."""
    return _queue_page(actor, cursor, size, _read_whole)


class _Reader(Protocol):
    """Reads at most `limit` of the ordered dossiers as a page's items, with the queue's size when `counted`
    (each row then carries it as `queue_total`)."""

    def __call__(
        self, dossiers: "QuerySet[Queued]", *, limit: int | None, now: datetime, counted: bool
    ) -> tuple[list[Any], int]: ...


def _queue_page(
    actor: User, cursor: str, size: int, read: _Reader, filters: QueueFilter | None = None
) -> Page:
    now = timezone.now()
    queue = _filtered(_queue(actor), filters, now)
    if cursor:
        items, _ = read(_after(queue, cursor).order_by(*_QUEUE_ORDER), limit=size + 1, now=now, counted=False)
        total = queue.count()
    else:  # the first page counts the whole queue in the same statement instead of reading it twice
        with_total = queue.annotate(queue_total=Window(Count("pk"))).order_by(*_QUEUE_ORDER)
        items, total = read(with_total, limit=size + 1, now=now, counted=True)
    return _page(items, total, size=size)


def _page(items: list[QueueRow] | list[QueueItem], total: int, *, size: int) -> Page:
    """`size` of the items read (one more tells that a next page follows) and the cursor after the last."""
    last = items[size - 1] if len(items) > size else None
    return Page(items[:size], cursor_of(last.due_at, last.pk) if last else None, total)


def _after(dossiers: "QuerySet[Queued]", cursor: str) -> "QuerySet[Queued]":
    """The dossiers after the one `cursor` names in the queue's order (all of them without a cursor)."""
    after = parse_cursor(cursor)
    if after is None:
        return dossiers
    due_at, pk = after
    if due_at is None:  # already among the dossiers without a due time, which come last
        return dossiers.filter(due=None, pk__gt=pk)
    return dossiers.filter(Q(due__gt=due_at) | Q(due=due_at, pk__gt=pk) | Q(due=None))


# The columns of a QueueRow, in its order (the flags are worked out from the due time).
_LISTED = (
    "pk",
    "code",
    "status",
    "procedure__code",
    "procedure__name",
    "current_step__name",
    "current_step__name_en",
    "due",
)


def _read_listed(
    dossiers: "QuerySet[Queued]", *, limit: int | None, now: datetime, counted: bool
) -> tuple[list[QueueRow], int]:
    """Values, not instances: a model instance with its procedure and step cost a row about 100 Python calls."""
    values = dossiers.values_list(*_LISTED, "queue_total") if counted else dossiers.values_list(*_LISTED)
    return _listed_rows(list(values[:limit] if limit else values), now=now, counted=counted)


def _listed_rows(found: list[tuple[Any, ...]], *, now: datetime, counted: bool) -> tuple[list[QueueRow], int]:
    """QueueRows from the values of _LISTED (then the queue's size when `counted`)."""
    near_until = latest_within(now, office_time=NEAR_DUE)
    rows = []
    for pk, code, status, procedure_code, procedure_name, step, step_en, due_at, *_total in found:
        overdue = due_at is not None and now > due_at
        rows.append(
            QueueRow(
                pk=pk,
                code=code,
                status=status,
                procedure_code=procedure_code,
                procedure_name=procedure_name,
                step_name=in_active_language(vi=step, en=step_en) if step is not None else "",
                due_at=due_at,
                overdue=overdue,
                near_due=due_at is not None and not overdue and due_at <= near_until,
            )
        )
    return rows, found[0][-1] if counted and found else 0


def _read_whole(
    dossiers: "QuerySet[Queued]", *, limit: int | None, now: datetime, counted: bool
) -> tuple[list[QueueItem], int]:
    """Dossiers with every unit, step and document the API shows of each, in two queries for any number."""
    related = ("procedure", "receiving_unit", "authority_unit", "current_step", "current_unit")
    whole = dossiers.select_related(*related, "consulted_unit", "applicant").prefetch_related("documents")
    found = list(whole[:limit] if limit else whole)
    return _queue_rows(found, now=now), cast("Counted", found[0]).queue_total if counted and found else 0


def _queue_rows(dossiers: "Iterable[Queued]", *, now: datetime) -> list[QueueItem]:
    """Each dossier with its due time and flags; the near-due limit worked out once for every row."""
    near_until = latest_within(now, office_time=NEAR_DUE)
    return [_queue_item(dossier, now=now, near_until=near_until) for dossier in dossiers]


def _queue_item(dossier: "Queued", *, now: datetime, near_until: datetime) -> QueueItem:
    due_at = dossier.due
    overdue = due_at is not None and now > due_at
    near_due = due_at is not None and not overdue and due_at <= near_until
    return QueueItem(dossier=dossier, due_at=due_at, overdue=overdue, near_due=near_due)


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    due_today: int  # not overdue yet, due before the local day ends
    overdue: int


def queue_counts(*, actor: User, now: datetime) -> QueueCounts:
    """How many dossiers wait for the actor, how many fall due later today and how many are overdue, by the
    queue page's own rules (one statement)."""
    tomorrow = _day_start(now.astimezone(local_zone()).date() + timedelta(days=1))
    counts = (
        _queue(actor)
        .order_by()
        .aggregate(
            waiting=Count("pk"),
            due_today=Count("pk", filter=Q(due__gte=now, due__lt=tomorrow)),
            overdue=Count("pk", filter=Q(due__lt=now)),
        )
    )
    return QueueCounts(**counts)


def overdue_dossier_ids(*, now: datetime) -> list[int]:
    """Dossiers past their acknowledgement or step due time and not yet flagged for it."""
    late_reception = Q(status=Status.NEW, acknowledge_due_at__lt=now)
    late_step = Q(status__in=OPEN_STATUSES, current_step__isnull=False, step_due_at__lt=now)
    dossiers = Dossier.objects.filter(late_reception | late_step, overdue_flagged_at__isnull=True)
    return list(dossiers.order_by("step_due_at").values_list("pk", flat=True))


def events_of(dossier: Dossier) -> QuerySet[Event]:
    return Event.objects.filter(stream=stream_of(dossier)).order_by("seq")


# What the public tracking page says for each event; reasons and names stay out of it. Marked for
# translation but kept as plain Vietnamese, which the printed forms use as they are.
PUBLIC_ACTIONS: dict[str, str] = {
    events.SUBMITTED: gettext_noop("Nộp hồ sơ"),
    events.ACCEPTED: gettext_noop("Tiếp nhận hồ sơ"),
    events.REFUSED: gettext_noop("Từ chối tiếp nhận hồ sơ"),
    events.SUPPLEMENT_REQUESTED: gettext_noop("Yêu cầu bổ sung hồ sơ"),
    events.SUPPLEMENT_ANSWERED: gettext_noop("Công dân đã bổ sung hồ sơ"),
    events.FORWARDED: gettext_noop("Chuyển bước xử lý"),
    events.SENT_BACK: gettext_noop("Chuyển lại bước trước"),
    events.APOLOGIZED: gettext_noop("Xin lỗi và hẹn lại ngày trả kết quả"),
    events.STOPPED: gettext_noop("Dừng xử lý"),
    events.FINISHED: gettext_noop("Đã giải quyết xong"),
    events.RETURNED: gettext_noop("Đã trả kết quả"),
    events.WITHDRAWN: gettext_noop("Công dân rút hồ sơ"),
    events.CONSULTED: gettext_noop("Lấy ý kiến cơ quan liên quan"),
    events.CONSULTATION_ANSWERED: gettext_noop("Cơ quan liên quan đã có ý kiến"),
    events.DOCUMENTS_ATTACHED: gettext_noop("Công dân bổ sung giấy tờ"),
    events.RATED: gettext_noop("Công dân đánh giá"),
    events.OVERDUE: gettext_noop("Quá hạn xử lý"),
    events.PAYMENT_REQUESTED: gettext_noop("Yêu cầu thực hiện nghĩa vụ tài chính"),
    events.PAYMENT_CONFIRMED: gettext_noop("Đã thực hiện nghĩa vụ tài chính"),
}


# What a receipt prints before the code ("Số: ...", "Mã hồ sơ: ..."), any case.
_RECEIPT_LABEL = re.compile(r"^\s*(?:s[oố]|m[aã](?:\s+h[oồ]\s+s[oơ])?)\s*[:.]\s*", re.IGNORECASE)


def receipt_code(text: str) -> str:
    """The dossier code in what a person typed from a receipt: `Số: 32002.h12-261206-0005/TNHS ` gives
    `32002.H12-261206-0005` (the label, the desk's suffix after “/”, spaces and case are not the code)."""
    code = _RECEIPT_LABEL.sub("", unicodedata.normalize("NFC", text or "")).split("/", 1)[0]
    return "".join(code.split()).upper()


def tracking(*, code: str) -> dict[str, Any]:
    """What anyone holding the code may know: procedure, units, status, dates and the steps taken."""
    code = receipt_code(code)
    dossier = (
        Dossier.objects.select_related("procedure", "receiving_unit", "current_unit")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise NotFound(
            gettext_lazy("Không tìm thấy hồ sơ “%(code)s”."),
            params={"code": code},
            code="dossier_not_found",
            value=code,
        )
    return {
        "code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "receiving_unit": dossier.receiving_unit.name,
        "current_unit": dossier.current_unit.name if dossier.current_unit else None,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "submitted_at": dossier.submitted_at,
        "accepted_at": dossier.accepted_at,
        "promised_at": dossier.promised_at,
        "returned_at": dossier.returned_at,
        "history": [
            {"action": _(PUBLIC_ACTIONS.get(event.action, event.action)), "at": event.occurred_at}
            for event in events_of(dossier)
        ],
    }


def national_status_export(*, actor: User, since: datetime | None = None) -> list[dict[str, Any]]:
    """Dossiers of the actor's units in the national portal's status codes (observed field names)."""
    core_selectors.require_role(actor, Role.REPORTING_OFFICER, Role.UNIT_LEADER, Role.PROVINCE_LEADER)
    units = core_selectors.units_for(actor, domain=Domain.REPORTING, action="export_dossier_statuses").values(
        "pk"
    )
    dossiers = Dossier.objects.filter(Q(receiving_unit__in=units) | Q(authority_unit__in=units))
    if since is not None:
        dossiers = dossiers.filter(submitted_at__gte=since)
    return [
        {
            "MaHoSo": dossier.code,
            "MaTTHC": dossier.procedure.code,
            "TrangThaiHoSo": dossier.status,
            "KenhThucHien": dossier.channel,
            "NgayNopHoSo": dossier.submitted_at,
            "NgayTiepNhan": dossier.accepted_at,
            "NgayHenTra": dossier.promised_at,
            "NgayKetThucXuLy": dossier.finished_at,
            "NgayTra": dossier.returned_at,
            "DonViTiepNhan": dossier.receiving_unit.agency_code,
        }
        for dossier in dossiers.select_related("procedure", "receiving_unit").order_by("submitted_at")
    ]


def receiving_desks() -> QuerySet[AdminUnit]:
    """Commune committees that receive dossiers, for the citizen to choose where to lodge one."""
    return AdminUnit.objects.filter(
        kind=AdminUnit.Kind.AGENCY, category="UBND", agency_code__isnull=False
    ).order_by("name")


def consultable_agencies() -> QuerySet[AdminUnit]:
    """The province's departments, which commune and provincial handlers consult most."""
    return (
        AdminUnit.objects.filter(kind=AdminUnit.Kind.AGENCY, agency_code__isnull=False)
        .exclude(category="UBND")
        .order_by("name")
    )


def receptionist_desks(*, actor: User) -> QuerySet[AdminUnit]:
    """The receiving units where the actor works the one-stop desk."""
    return (
        core_selectors.units_where(actor, Role.RECEPTIONIST, domain=Domain.DOSSIERS)
        .filter(agency_code__isnull=False)
        .order_by("name")
    )


def prefill(*, actor: User, procedure: Procedure) -> tuple[dict[str, Any], dict[str, str], str | None]:
    """Once-only: values the platform already holds for this form, where each came from, and the desk of
    the applicant's commune. Earlier answers to the same procedure first, then the population registry."""
    properties = procedure.form_schema.get("properties", {})
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    earlier = (
        Dossier.objects.filter(applicant=actor, procedure__code=procedure.code)
        .order_by("-submitted_at")
        .first()
    )
    for name, value in (earlier.form_data if earlier else {}).items():
        # Only fields about the applicant carry over: a second birth registration is for another child.
        if properties.get(name, {}).get("x-reuse"):
            values[name], sources[name] = value, str(_("Từ hồ sơ trước của bạn"))
    # Then answers given to the sector's other procedures (a building permit's parcel, for its extension).
    related = (
        Dossier.objects.filter(applicant=actor, procedure__sector=procedure.sector)
        .exclude(procedure__code=procedure.code)
        .order_by("-submitted_at")
        .values_list("form_data", flat=True)[:20]
    )
    for form_data in related:
        for name, value in form_data.items():
            if name not in values and properties.get(name, {}).get("x-reuse"):
                values[name], sources[name] = value, str(_("Từ hồ sơ trước của bạn"))
    identity = core_selectors.identity_of(actor.citizen_id) if actor.citizen_id else None
    if identity is None:
        return values, sources, None
    parent, spouse = ("father", "groom") if identity.sex == "M" else ("mother", "bride")
    offered = {
        f"{parent}_full_name": identity.full_name,
        f"{parent}_citizen_id": identity.citizen_id,
        f"{spouse}_full_name": identity.full_name,
        f"{spouse}_citizen_id": identity.citizen_id,
        "address": identity.permanent_address,
    }
    for name, value in offered.items():
        if name in properties and name not in values:
            values[name], sources[name] = value, str(_("Từ Cơ sở dữ liệu quốc gia về dân cư"))
    commune = identity.permanent_commune_code
    desk = (
        AdminUnit.objects.filter(parent__code=commune, category="UBND").values_list("code", flat=True).first()
    )
    return values, sources, desk


def for_signing(*, code: str) -> Dossier | None:
    """The dossier whose result or form the platform's signing job signs (no actor: the platform itself)."""
    return Dossier.objects.select_related("procedure", "applicant").filter(code=code).first()


@dataclass(frozen=True)
class SubmittedDocument:
    """A file attached to a dossier, known by the procedure's document it answers, not by its own name."""

    pk: int
    dossier_code: str
    requirement: int | None
    requirement_name: str
    sha256: str


def submitted_documents(*, dossier_ids: Collection[int]) -> dict[int, list[SubmittedDocument]]:
    """The files attached to each dossier, in one query (no actor: for the platform's sync upward). The
    uploaded file's own name is left out: it may carry personal data."""
    named = RequiredDocument.objects.filter(
        procedure_id=OuterRef("dossier__procedure_id"), order=OuterRef("requirement")
    ).values("name")[:1]
    rows = (
        DossierDocument.objects.filter(dossier_id__in=dossier_ids)
        .annotate(requirement_name=Subquery(named))
        .order_by("dossier_id", "uploaded_at", "pk")
        .values_list("dossier_id", "pk", "dossier__code", "requirement", "requirement_name", "sha256")
    )
    documents: dict[int, list[SubmittedDocument]] = {}
    for dossier_id, pk, code, requirement, name, sha256 in rows:
        documents.setdefault(dossier_id, []).append(
            SubmittedDocument(pk, code, requirement, name or "", sha256)
        )
    return documents


def result_is_electronic(dossier: Dossier) -> bool:
    """A full-online procedure (toàn trình, Decree 42/2022) submitted online returns its result online: the
    applicant may take it as soon as it is recorded; any other result is handed over by the desk first."""
    return dossier.channel == Channel.ONLINE and dossier.procedure.online_level == Procedure.OnlineLevel.FULL


def result_ready_for(*, actor: User, dossier: Dossier) -> bool:
    """Whether `actor` (who may see the dossier) can download its result now."""
    if not dossier.result_file or dossier.status not in (Status.FINISHED, Status.RETURNED):
        return False
    if not actor.is_citizen or dossier.status == Status.RETURNED:
        return True
    return result_is_electronic(dossier)


def finished_dossier_online(dossier_pk: int) -> bool | None:
    """For the notice of a recorded result: whether the applicant can take it online now (None: no dossier)."""
    dossier = Dossier.objects.select_related("procedure").filter(pk=dossier_pk).first()
    return None if dossier is None else result_is_electronic(dossier)


def entered_queues(*, dossier_pk: int, payload: dict[str, Any]) -> list[int]:
    """Whose queue a dossier entered by the event with `payload`, if it still waits there (a dossier that has
    moved on since, or generated history, tells nobody): the receiving desk's receptionists for a new one,
    the official named for a step, else the holders of the step's role over the step's unit (the nearest
    unit where someone holds it, so a province's officials are not told of every commune's dossier)."""
    dossier = Dossier.objects.filter(pk=dossier_pk).only("procedure_id", "version").first()
    if dossier is None or dossier.version != payload.get("version"):
        return []
    if payload.get("assignee"):
        return [int(payload["assignee"])]
    if payload.get("receiving_unit") and payload.get("status") == Status.NEW:
        unit = AdminUnit.objects.filter(code=payload["receiving_unit"]).first()
        return (
            core_selectors.role_holders(Role.RECEPTIONIST, unit, domain=Domain.DOSSIERS, nearest=True)
            if unit
            else []
        )
    unit = AdminUnit.objects.filter(code=payload.get("unit") or "").first()
    if unit is None or payload.get("step") is None:
        return []
    step = ProcessStep.objects.filter(procedure_id=dossier.procedure_id, order=payload["step"]).first()
    return core_selectors.role_holders(step.role, unit, domain=Domain.DOSSIERS, nearest=True) if step else []


def applicant_id_of(dossier_pk: int) -> int | None:
    """The applicant's account id, for telling them what happened to their dossier."""
    return Dossier.objects.filter(pk=dossier_pk).values_list("applicant_id", flat=True).first()


# ---- the lifecycle: who may do what now ------------------------------------------------------------


def steps_of(dossier: Dossier) -> list[ProcessStep]:
    return list(dossier.procedure.steps.order_by("order"))


def return_step(steps: list[ProcessStep]) -> ProcessStep | None:
    """The last step when it hands the result back at the desk; reaching it needs a result."""
    last = steps[-1]
    if len(steps) > 1 and last.role == Role.RECEPTIONIST and last.unit_kind == ProcessStep.UnitKind.RECEIVING:
        return last
    return None


def next_step(dossier: Dossier, steps: list[ProcessStep]) -> ProcessStep | None:
    """The step `forward` leads to (from the first step for a dossier not yet accepted); None at the last
    handling step, where the result is recorded instead."""
    current = steps[0] if dossier.status == Status.NEW else dossier.current_step
    assert current is not None  # an accepted dossier is at a step until it is closed
    following = [step for step in steps if step.order > current.order]
    if not following or following[0] == return_step(steps):
        return None
    return following[0]


def last_handling_step(steps: list[ProcessStep]) -> ProcessStep:
    return steps[-2] if return_step(steps) else steps[-1]


def is_party(actor: User, dossier: Dossier, party: Party) -> bool:
    """Whether the actor is, for this dossier now, the party a transition names (dossiers.lifecycle)."""
    if party == lifecycle.APPLICANT:
        return dossier.applicant_id == actor.pk
    if party == lifecycle.RECEPTIONIST:
        return core_selectors.holds_role(
            actor, Role.RECEPTIONIST, dossier.receiving_unit_id, domain=Domain.DOSSIERS
        )
    if party == lifecycle.STEP_HANDLER:
        step = dossier.current_step
        return step is not None and core_selectors.holds_role(
            actor, step.role, dossier.current_unit_id, domain=Domain.DOSSIERS
        )
    if party == lifecycle.AUTHORITY_LEADER:
        return core_selectors.holds_role(
            actor, Role.UNIT_LEADER, dossier.authority_unit_id, domain=Domain.DOSSIERS
        )
    if party == lifecycle.CONSULTED_UNIT:
        unit = dossier.consulted_unit_id
        return any(
            core_selectors.holds_role(actor, role, unit, domain=Domain.DOSSIERS) for role in CONSULTED_ROLES
        )
    if party == lifecycle.PAYMENT_GATEWAY:
        return False  # a person never is: only payments.services, on a verified gateway notice
    raise ValueError(party)


def _possible(dossier: Dossier, transition: Transition) -> bool:
    """The conditions beyond status and party under which the services take an action."""
    action, consulting = transition.action, dossier.consulted_unit_id is not None
    if action in ("forward", "finish", "consult") and consulting:
        return False
    if action == "answer_consultation":
        return consulting
    if action == "rate":
        return dossier.rating is None
    if action in ("forward", "finish", "send_back"):
        steps = steps_of(dossier)
        if dossier.current_step is None:
            return False
        if action == "forward":
            return next_step(dossier, steps) is not None
        if action == "finish":
            return dossier.current_step == last_handling_step(steps)
        return dossier.current_step.order > steps[0].order
    return True


def offered_actions(*, actor: User, dossier: Dossier) -> list[Transition]:
    """The actions the actor may take on the dossier now, the expected next one first and the destructive
    ones (refuse, stop, withdraw) last: what the detail page shows and the API's `actions` answers."""
    parties: dict[Party, bool] = {}

    def holds(party: Party) -> bool:
        if party not in parties:
            parties[party] = is_party(actor, dossier, party)
        return parties[party]

    return lifecycle.LIFECYCLE.offered(dossier.status, holds, lambda row: _possible(dossier, row))


def step_assignees(*, dossier: Dossier) -> list[User]:
    """Who the dossier can be forwarded to by name: holders of the next step's role over its unit."""
    if dossier.current_step is None and dossier.status != Status.NEW:
        return []
    step = next_step(dossier, steps_of(dossier))
    if step is None:
        return []
    unit = step_unit(dossier, step)
    ids = core_selectors.role_holders(step.role, unit, domain=Domain.DOSSIERS)
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "pk"))


def step_unit(dossier: Dossier, step: ProcessStep) -> AdminUnit:
    if step.unit_kind == ProcessStep.UnitKind.RECEIVING:
        return dossier.receiving_unit
    if step.unit_kind == ProcessStep.UnitKind.AUTHORITY:
        return dossier.authority_unit
    assert step.unit is not None  # a step of a fixed unit names it
    return step.unit
