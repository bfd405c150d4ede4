"""Reads of the data core, with the caller's scope applied where there is one."""

from datetime import datetime
from hashlib import sha256
from typing import Any

from django.db import connection, connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy

from tinhso.core import permissions, sql
from tinhso.core.errors import Forbidden, NotFound
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, ApiToken, Domain, Event, Role, RoleAssignment, User
from tinhso.core.population import Identity, population_registry


def unit_by_code(code: str) -> AdminUnit:
    unit = AdminUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(
            gettext_lazy("Không tìm thấy đơn vị có mã “%(code)s”."),
            code="unit_not_found",
            params={"code": code},
            value=code,
        )
    return unit


def under_path(path: str, field: str = "path") -> Q:
    """Matches paths starting with `path` in a way each database answers from its index: PostgreSQL
    has a pattern index for LIKE; SQLite's LIKE ignores case and scans, but its binary order allows a range."""
    if connection.vendor == "sqlite":
        upper = path[:-1] + chr(ord(PATH_SEPARATOR) + 1)
        return Q(**{f"{field}__gte": path, f"{field}__lt": upper})
    return Q(**{f"{field}__startswith": path})


def units_under(unit: AdminUnit, *, include_self: bool = True) -> QuerySet[AdminUnit]:
    """Every unit in the subtree of `unit`, at any depth, in one indexed prefix query."""
    units = AdminUnit.objects.filter(under_path(unit.path))
    return units if include_self else units.exclude(pk=unit.pk)


def province_unit() -> AdminUnit:
    from django.conf import settings

    return unit_by_code(settings.TINHSO_PROVINCE_GSO_CODE)


def active_roles(user: User, *, domain: str | None = None) -> QuerySet[RoleAssignment]:
    """The user's roles in force today; with `domain`, those held in it (or in every domain)."""
    today = timezone.localdate()
    roles = (
        RoleAssignment.objects.filter(user=user)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("unit")
    )
    return roles if domain is None else roles.filter(domain__in=(domain, Domain.ALL))


def roles_in_force(user: User, *, domain: str | None = None) -> list[RoleAssignment]:
    """active_roles(user, domain=domain) with each role's unit, read on the primary by a statement built once:
    for the pages that check rights on every request."""
    return sql.roles_in_force(user.pk, domain=domain, today=timezone.localdate())


def units_where(user: User, *roles: str, domain: str) -> QuerySet[AdminUnit]:
    """Units (with their subtrees) over which the user holds any of the roles in `domain`; empty for
    citizens."""
    paths = [
        assignment.unit.path
        for assignment in active_roles(user, domain=domain)
        if not roles or assignment.role in roles
    ]
    if not paths:
        return AdminUnit.objects.none()
    condition = Q()
    for path in paths:
        condition |= under_path(path)
    return AdminUnit.objects.filter(condition)


def units_for(user: User, *, domain: str, action: str) -> QuerySet[AdminUnit]:
    """Units over which the permission matrix lets the user take `action` in `domain`."""
    return units_where(user, *permissions.roles_for(domain, action), domain=domain)


def may(user: User, *, domain: str, action: str, unit_id: int | None) -> bool:
    """The permission matrix's answer for this user, this action and this unit."""
    if unit_id is None:
        return False
    return units_for(user, domain=domain, action=action).filter(pk=unit_id).exists()


def holds_role(user: User, role: str, unit_id: int | None, *, domain: str) -> bool:
    """Whether the user holds `role` in `domain` over the unit (over it or any unit above it)."""
    return unit_id is not None and units_where(user, role, domain=domain).filter(pk=unit_id).exists()


def role_holders(role: str, unit: AdminUnit, *, domain: str, nearest: bool = False) -> list[int]:
    """Active accounts holding `role` in `domain` over `unit`, that is over the unit or any unit above it;
    with `nearest`, only those of the nearest unit (the unit itself first) where someone holds it."""
    parts = unit.path.rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    paths = [PATH_SEPARATOR.join(parts[: depth + 1]) + PATH_SEPARATOR for depth in range(len(parts))]
    holders = (
        RoleAssignment.objects.filter(
            role=role, unit__path__in=paths, user__is_active=True, domain__in=(domain, Domain.ALL)
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
        .values_list("user_id", "unit__depth")
    )
    found = list(holders)
    if nearest and found:
        deepest = max(depth for _user, depth in found)
        found = [(user, depth) for user, depth in found if depth == deepest]
    return sorted({user for user, _depth in found})


def has_role(user: User, role: str) -> bool:
    return any(assignment.role == role for assignment in active_roles(user))


def require_role(user: User, *roles: str) -> None:
    if not any(has_role(user, role) for role in roles):
        names = ", ".join(str(Role(role).label) for role in roles)
        raise Forbidden(
            gettext_lazy("Chức năng này dành cho: %(roles)s."), code="role_required", params={"roles": names}
        )


def identity_of(citizen_id: str) -> Identity | None:
    return population_registry().lookup(citizen_id)


def user_by_token(token: str) -> User | None:
    holder = token_holder(token)
    return holder[0] if holder else None


def token_holder(token: str) -> tuple[User, int] | None:
    """The user a bearer token opens and the token's id; None when unknown, expired, revoked, issued under
    an earlier password, or the user is inactive."""
    found = sql.token_holder(sha256(token.encode()).hexdigest(), now=timezone.now())
    if found is None:
        return None
    user, token_id, auth_hash = found
    if not auth_hash or not constant_time_compare(auth_hash, user.get_session_auth_hash()):
        return None  # the password changed since the token was issued
    return user, token_id


def active_tokens(*, actor: User) -> list[ApiToken]:
    """The actor's tokens that still open the API, newest first."""
    current = actor.get_session_auth_hash()
    tokens = ApiToken.objects.filter(user=actor, expires_at__gt=timezone.now()).order_by("-created_at", "-pk")
    return [token for token in tokens if token.auth_hash and constant_time_compare(token.auth_hash, current)]


def chain_heads(*, since: datetime | None = None) -> list[list[Any]]:
    """[[stream, seq, hash], ...] of the last event of every stream written since `since` (all if None)."""
    events = Event.objects.all() if since is None else Event.objects.filter(occurred_at__gte=since)
    later = Event.objects.filter(stream=OuterRef("stream"), seq__gt=OuterRef("seq"))
    heads = events.exclude(Exists(later)).order_by("stream").values_list("stream", "seq", "hash")
    return [list(head) for head in heads]


# --- Verification of the event log ----------------------------------------------------------------------
# Imports stay inside the functions below so this section only appends to the module.


class LogProblem:
    """One break in the event log, shown on the event where it appears (if that event still exists)."""

    def __init__(
        self,
        *,
        message: str,
        stream: str = "",
        seq: int | None = None,
        event_id: int | None = None,
        checkpoint_id: int | None = None,
    ) -> None:
        self.message, self.stream, self.seq = message, stream, seq
        self.event_id, self.checkpoint_id = event_id, checkpoint_id

    def sort_key(self) -> tuple[Any, ...]:
        # Broken events first, by id; then what only checkpoints still remember (deleted rows).
        return (
            self.event_id is None,
            self.event_id or 0,
            self.checkpoint_id or 0,
            self.stream,
            self.seq or 0,
        )

    def __str__(self) -> str:
        from django.utils.translation import gettext as _

        where = []
        if self.event_id is not None:
            where.append(_("sự kiện #%(id)s") % {"id": self.event_id})
        if self.stream:
            where.append(_("chuỗi %(stream)s") % {"stream": self.stream})
        if self.seq is not None:
            where.append(_("số thứ tự %(seq)s") % {"seq": self.seq})
        if self.checkpoint_id is not None and self.event_id is None and not self.stream:
            where.append(_("điểm kiểm #%(id)s") % {"id": self.checkpoint_id})
        return f"{', '.join(where)}: {self.message}"

    def __repr__(self) -> str:
        return f"LogProblem({self})"


class LogVerification(list[Any]):
    """The problems found (first broken event first), with how much of the log was read."""

    events = streams = checkpoints = rows = 0
    anchor: dict[str, Any] | None = None
    # What was read of each month (UTC): {(year, month): [events, sum of hashes, largest id, its hash]}.
    months: dict[tuple[int, int], list[Any]]
    high_water = 0  # the largest event id when the run began
    newest_checkpoint: tuple[int, str] | None = None  # (id, digest) of the newest checkpoint verified
    to_seal: list[Any] = []  # the closed months (dates) read in full and not yet sealed
    skipped_months = 0  # sealed months not read again


def verify_event_log(*, chunk_size: int = 5000, full: bool = True) -> LogVerification:
    """Recomputes the chains and checkpoints; an empty result means the log is intact.

    With `full`, every event is read; otherwise only the months no valid seal vouches for (the open month,
    the months closed since the last run, a sealed month that received events since), each event's link to
    a predecessor outside them looked up by (stream, seq), with the checkpoints since the newest seal.
    Events are read in (stream, seq) order through the unique index, in chunks, so memory holds one stream
    at a time plus the latest head each checkpoint recorded per stream.
    """
    from tinhso.core import logmonths

    result = LogVerification()
    plan = logmonths.plan(result, full=full)
    recorded_heads = _verify_checkpoints(result, chunk_size=chunk_size, first_id=plan.first_checkpoint)
    scan = _ChainScan(result, recorded_heads, full=plan.full, chunk_size=chunk_size)
    rows = (
        Event.objects.filter(plan.scope)
        .order_by("stream", "seq")
        .values_list(
            "id", "stream", "seq", "action", "actor_id", "payload", "occurred_at", "prev_hash", "hash"
        )
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        scan.read(*row)
    scan.finish()
    result.months, result.to_seal = scan.months, plan.to_seal
    result.skipped_months = 0 if plan.full else len(plan.sealed)
    logmonths.compare_with_seals(result, plan)
    _verify_anchor(result)
    _verify_domain_rows(result, chunk_size=chunk_size, streams=None if plan.full else scan.streams_read)
    _verify_app_logs(result, chunk_size=chunk_size)
    result.sort(key=LogProblem.sort_key)
    return result


class _ChainScan:
    """Checks events read in (stream, seq) order: each hash, each link, each recorded head; when not every
    event is read, a link or a head outside the events read is looked up in the database."""

    def __init__(
        self,
        result: LogVerification,
        recorded_heads: dict[str, tuple[int, str, int]],
        *,
        full: bool,
        chunk_size: int,
    ) -> None:
        from tinhso.core.eventlog import GENESIS_HASH

        self.result, self.recorded_heads = result, recorded_heads
        self.full, self.chunk_size = full, chunk_size
        self.stream: str | None = None
        self.head: tuple[int, str, int] | None = None
        self.last_seq, self.last_hash = 0, GENESIS_HASH
        self.last_id: int | None = None
        # (year, month) in UTC: [events, sum of their hashes, largest id, its hash]
        self.months: dict[tuple[int, int], list[Any]] = {}
        self.streams_read: set[str] = set()
        self.first_seq = 0
        # Read streams with a head left over: (first seq read, last seq read, its id).
        self.tails: dict[str, tuple[int, int, int | None]] = {}
        # (stream, seq of the predecessor, prev_hash stored, where): links to events outside those read.
        self.links: list[tuple[str, int, str, dict[str, Any]]] = []

    def read(
        self,
        event_id: int,
        stream: str,
        seq: int,
        action: str,
        actor_id: int | None,
        payload: Any,
        occurred_at: datetime,
        prev_hash: str,
        stored_hash: str,
    ) -> None:
        from django.utils.translation import gettext as _

        from tinhso.core.eventlog import GENESIS_HASH, event_hash

        result = self.result
        if stream != self.stream:
            self._end_stream()
            self.stream, self.last_seq, self.last_hash, self.last_id = stream, 0, GENESIS_HASH, None
            self.first_seq = seq
            self.head = self.recorded_heads.pop(stream, None)
            self.streams_read.add(stream)
            result.streams += 1
        result.events += 1
        month = self.months.setdefault((occurred_at.year, occurred_at.month), [0, 0, 0, ""])
        month[0] += 1
        month[1] += int(stored_hash, 16)
        if event_id > month[2]:
            month[2], month[3] = event_id, stored_hash
        here: dict[str, Any] = {"event_id": event_id, "stream": stream, "seq": seq}
        computed = event_hash(
            stream=stream,
            seq=seq,
            action=action,
            actor_id=actor_id,
            payload=payload,
            occurred_at=occurred_at,
            prev_hash=prev_hash,
        )
        if computed != stored_hash:
            result.append(LogProblem(message=_("nội dung đã bị sửa: mã băm không còn khớp."), **here))
        if seq != self.last_seq + 1 and not self.full and seq > 1:
            self.links.append((stream, seq - 1, prev_hash, here | {"previous": self.last_id}))
            if len(self.links) >= self.chunk_size:
                self._resolve_links()
        elif seq != self.last_seq + 1:
            self._gap(seq - 1, here, previous=self.last_id)
        elif prev_hash != self.last_hash:
            message = _("không nối với sự kiện liền trước #%(previous)s (số %(seq)s): chuỗi đã bị viết lại.")
            result.append(
                LogProblem(message=message % {"previous": self.last_id, "seq": self.last_seq}, **here)
            )
        if self.head is not None and self.head[0] == seq:
            if self.head[1] != stored_hash:
                message = _("khác với sự kiện điểm kiểm #%(checkpoint)s đã ghi nhận: chuỗi đã bị viết lại.")
                result.append(LogProblem(message=message % {"checkpoint": self.head[2]}, **here))
            self.head = None
        self.last_seq, self.last_hash, self.last_id = seq, stored_hash, event_id

    def _gap(self, missing_to: int, here: dict[str, Any], *, previous: int | None) -> None:
        from django.utils.translation import gettext as _

        gap = str(missing_to) if missing_to == self.last_seq + 1 else f"{self.last_seq + 1}–{missing_to}"
        message = _(
            "thiếu sự kiện số %(gap)s của chuỗi ngay trước sự kiện này "
            "(sự kiện còn lại liền trước: #%(previous)s)."
        )
        self.result.append(LogProblem(message=message % {"gap": gap, "previous": previous or "—"}, **here))

    def _resolve_links(self) -> None:
        from django.utils.translation import gettext as _

        found = events_at([(stream, seq) for stream, seq, _prev, _here in self.links])
        for stream, seq, prev_hash, here in self.links:
            previous = found.get((stream, seq))
            where = {key: here[key] for key in ("event_id", "stream", "seq")}
            if previous is None:
                message = _(
                    "thiếu sự kiện số %(gap)s của chuỗi ngay trước sự kiện này "
                    "(sự kiện còn lại liền trước: #%(previous)s)."
                )
                values = {"gap": seq, "previous": here["previous"] or "—"}
                self.result.append(LogProblem(message=message % values, **where))
            elif previous[1] != prev_hash:
                message = _(
                    "không nối với sự kiện liền trước #%(previous)s (số %(seq)s): chuỗi đã bị viết lại."
                )
                self.result.append(
                    LogProblem(message=message % {"previous": previous[0], "seq": seq}, **where)
                )
        self.links = []

    def _end_stream(self) -> None:
        if self.stream is not None and self.head is not None:
            if self.full:
                _check_tail(self.result, self.stream, self.head, self.last_seq, self.last_id)
            else:
                self.tails[self.stream] = (self.first_seq, self.last_seq, self.last_id)
                self.recorded_heads[self.stream] = self.head  # looked up at the end, with the unread streams'

    def finish(self) -> None:
        self._end_stream()
        self._resolve_links()
        if self.full:
            _report_lost_streams(self.result, self.recorded_heads)
        else:
            _check_heads_outside(self.result, self.recorded_heads, tails=self.tails)


def events_at(places: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, str]]:
    """{(stream, seq): (id, hash)} of the events at these places, a thousand places per query."""
    database = connections[router.db_for_read(Event)]  # the replica inside replica_reads()
    table = database.ops.quote_name(Event._meta.db_table)
    found: dict[tuple[str, int], tuple[int, str]] = {}
    for start in range(0, len(places), 1000):
        batch = places[start : start + 1000]
        values = ", ".join(["(%s, CAST(%s AS integer))"] * len(batch))
        statement = (
            f"WITH wanted(stream, seq) AS (VALUES {values}) SELECT e.stream, e.seq, e.id, e.hash "
            f"FROM {table} e JOIN wanted w ON e.stream = w.stream AND e.seq = w.seq"
        )
        with database.cursor() as cursor:
            cursor.execute(statement, [value for place in batch for value in place])
            for stream, seq, event_id, stored_hash in cursor.fetchall():
                found[(stream, seq)] = (event_id, stored_hash)
    return found


def _report_lost_streams(result: LogVerification, recorded_heads: dict[str, tuple[int, str, int]]) -> None:
    from django.utils.translation import gettext as _

    for lost_stream, (seq, _hash, checkpoint_id) in sorted(recorded_heads.items()):
        message = _("điểm kiểm #%(checkpoint)s đã ghi nhận sự kiện này; nay cả chuỗi không còn sự kiện nào.")
        result.append(
            LogProblem(
                message=message % {"checkpoint": checkpoint_id},
                stream=lost_stream,
                seq=seq,
                checkpoint_id=checkpoint_id,
            )
        )


def _check_heads_outside(
    result: LogVerification,
    recorded_heads: dict[str, tuple[int, str, int]],
    *,
    tails: dict[str, tuple[int, int, int | None]],
) -> None:
    """Heads recorded by the checkpoints read, at or after the first event read of their stream, that were not
    among the events read: each must still be in the log, unchanged. A head before them, or of a stream not
    read, lies in a sealed month, which its seal vouches for (and `--full` reads)."""
    from django.utils.translation import gettext as _

    heads = {
        stream: head
        for stream, head in recorded_heads.items()
        if stream in tails and head[0] >= tails[stream][0]
    }
    found = events_at([(stream, seq) for stream, (seq, _hash, _id) in heads.items()])
    for stream, (seq, head_hash, checkpoint_id) in sorted(heads.items()):
        event = found.get((stream, seq))
        if event is None:
            _check_tail(result, stream, (seq, head_hash, checkpoint_id), *tails[stream][1:])
        elif event[1] != head_hash:
            message = _("khác với sự kiện điểm kiểm #%(checkpoint)s đã ghi nhận: chuỗi đã bị viết lại.")
            result.append(
                LogProblem(
                    message=message % {"checkpoint": checkpoint_id},
                    event_id=event[0],
                    stream=stream,
                    seq=seq,
                    checkpoint_id=checkpoint_id,
                )
            )


def _verify_anchor(result: LogVerification) -> None:
    """The newest checkpoint as kept outside the database must still be in it, unchanged: otherwise the
    newest checkpoints (with the events only they recorded) were deleted, or the whole log truncated."""
    from django.utils.translation import gettext as _

    from tinhso.core.eventlog import read_anchor
    from tinhso.core.models import Checkpoint

    anchor = read_anchor()
    result.anchor = anchor
    if anchor is None:
        return
    anchored_id = int(anchor.get("checkpoint") or 0)
    stored = Checkpoint.objects.filter(pk=anchored_id).values_list("digest", flat=True).first()
    if anchor.get("unreadable"):
        message = _("bản lưu điểm kiểm mới nhất bên ngoài cơ sở dữ liệu không đọc được.")
    elif stored is None:
        message = _(
            "điểm kiểm mới nhất đã lưu bên ngoài cơ sở dữ liệu (#%(id)s) không còn: "
            "điểm kiểm và sự kiện đã bị xóa."
        )
    elif stored != anchor.get("digest"):
        message = _("điểm kiểm #%(id)s khác với bản đã lưu bên ngoài cơ sở dữ liệu: đã bị viết lại.")
    else:
        return
    result.append(
        LogProblem(message=message % {"id": anchor.get("checkpoint")}, checkpoint_id=anchor.get("checkpoint"))
    )


def _verify_domain_rows(result: LogVerification, *, chunk_size: int, streams: set[str] | None) -> None:
    """Each domain row's current state must be the one its chain implies (tinhso.core.integrity); only the
    rows of `streams` when given."""
    from django.utils.translation import gettext as _

    from tinhso.core.integrity import mismatches

    for mismatch in mismatches(chunk_size=chunk_size, streams=streams):
        result.rows += 1
        if mismatch.implied == "row":
            message = _("còn chuỗi sự kiện nhưng bản ghi đã bị xóa.")
        elif mismatch.stored == "row":
            message = _(
                "bản ghi không có sự kiện nào: chuỗi đã bị xóa, hoặc bản ghi được thêm thẳng vào cơ sở dữ liệu."
            )
        else:
            message = _(
                "trường %(field)s của bản ghi là %(stored)r, chuỗi sự kiện cho %(implied)r: "
                "bản ghi đã bị sửa thẳng trong cơ sở dữ liệu."
            ) % {"field": mismatch.field, "stored": mismatch.stored, "implied": mismatch.implied}
        result.append(LogProblem(message=message, stream=mismatch.stream))


def _verify_app_logs(result: LogVerification, *, chunk_size: int) -> None:
    """The other append-only logs apps keep beside the event log (tinhso.core.integrity.LOG_CHECKS)."""
    from tinhso.core.integrity import log_problems

    for where, message in log_problems(chunk_size=chunk_size):
        result.append(LogProblem(message=message, stream=where))


def _verify_checkpoints(
    result: LogVerification, *, chunk_size: int, first_id: int = 0
) -> dict[str, tuple[int, str, int]]:
    """Checks the checkpoints' own chain from `first_id` on (all by default); returns the latest head each
    stream was recorded at: {stream: (seq, hash, checkpoint id)}. An intact chain up to that head vouches
    for the earlier ones."""
    from django.utils.translation import gettext as _

    from tinhso.core.eventlog import GENESIS_HASH, checkpoint_digest, log_key, mac_matches
    from tinhso.core.models import Checkpoint

    recorded: dict[str, tuple[int, str, int]] = {}
    previous_digest, previous_id = GENESIS_HASH, None
    key = log_key()
    rows = (
        Checkpoint.objects.filter(id__gte=first_id)
        .order_by("id")
        .values_list("id", "taken_at", "heads", "prev_digest", "digest", "mac")
        .iterator(chunk_size=max(1, chunk_size // 100))
    )
    for checkpoint_id, taken_at, heads, prev_digest, digest, mac in rows:
        result.checkpoints += 1
        if not mac_matches(digest, mac, key=key):
            # Whoever holds only the database can recompute every SHA-256, not this MAC.
            message = _("điểm kiểm không mang mã xác thực (MAC) của khóa nhật ký: đã bị tạo lại hoặc sửa.")
            result.append(LogProblem(message=message, checkpoint_id=checkpoint_id))
        if prev_digest != previous_digest and (previous_id is not None or not first_id):
            message = _("không nối với điểm kiểm liền trước #%(previous)s: một điểm kiểm đã bị sửa hoặc xóa.")
            result.append(
                LogProblem(message=message % {"previous": previous_id or "—"}, checkpoint_id=checkpoint_id)
            )
        try:
            intact = checkpoint_digest(prev_digest=prev_digest, taken_at=taken_at, heads=heads) == digest
            for stream, seq, head_hash in heads:
                if stream not in recorded or seq >= recorded[stream][0]:
                    recorded[stream] = (seq, head_hash, checkpoint_id)
        except (TypeError, ValueError):
            intact = False
        if not intact:
            message = _("nội dung điểm kiểm đã bị sửa: mã băm không còn khớp.")
            result.append(LogProblem(message=message, checkpoint_id=checkpoint_id))
        previous_digest, previous_id = digest, checkpoint_id
        result.newest_checkpoint = (checkpoint_id, digest)
    return recorded


def _check_tail(
    result: LogVerification,
    stream: str,
    head: tuple[int, str, int] | None,
    last_seq: int,
    last_id: int | None,
) -> None:
    """A head a checkpoint recorded but the stream no longer holds: its tail was deleted."""
    from django.utils.translation import gettext as _

    if head is None:
        return
    seq, _hash, checkpoint_id = head
    message = _(
        "điểm kiểm #%(checkpoint)s đã ghi nhận sự kiện này nhưng nó không còn "
        "(sự kiện cuối còn lại của chuỗi: số %(last)s, #%(last_id)s)."
    )
    values = {"checkpoint": checkpoint_id, "last": last_seq, "last_id": last_id}
    result.append(LogProblem(message=message % values, stream=stream, seq=seq, checkpoint_id=checkpoint_id))
