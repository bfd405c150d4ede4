"""Every write of the data core. Each function runs in one transaction and records its events."""

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core import events, files, partitions, permissions, selectors, working_time
from tinhso.core.errors import Conflict, InvalidInput, NotFound
from tinhso.core.eventlog import (
    CHECKPOINT_GRACE,
    GENESIS_HASH,
    checkpoint_digest,
    checkpoint_mac,
    event_hash,
    seal_digest,
    stream_of,
    write_anchor,
)
from tinhso.core.identifiers import validate_citizen_id
from tinhso.core.models import (
    AdminUnit,
    ApiToken,
    CalendarDay,
    Checkpoint,
    Domain,
    Event,
    PopulationRecord,
    Role,
    RoleAssignment,
    SealedMonth,
    User,
)
from tinhso.core.sql import chain_head


def _event(
    *, stream: str, seq: int, prev_hash: str, action: str, actor: User | None, payload: dict[str, Any]
) -> Event:
    occurred_at = timezone.now()
    actor_id = actor.pk if actor else None
    digest = event_hash(
        stream=stream,
        seq=seq,
        action=action,
        actor_id=actor_id,
        payload=payload,
        occurred_at=occurred_at,
        prev_hash=prev_hash,
    )
    return Event(
        stream=stream,
        seq=seq,
        action=action,
        actor_id=actor_id,
        payload=payload,
        occurred_at=occurred_at,
        prev_hash=prev_hash,
        hash=digest,
    )


def first_event(*, subject: Model, action: str, actor: User | None, payload: dict[str, Any]) -> Event:
    """The unsaved first event of the chain of a row not yet inserted (its id reserved): the caller inserts
    both with `insert_new(row, event)`, so the change and its event commit together."""
    return _event(
        stream=stream_of(subject), seq=1, prev_hash=GENESIS_HASH, action=action, actor=actor, payload=payload
    )


def next_event(previous: Event, *, action: str, actor: User | None, payload: dict[str, Any]) -> Event:
    """The unsaved event following `previous` (saved or not) in its chain: a new row's first events can then
    be inserted together with `insert_new(first, second)`."""
    return _event(
        stream=previous.stream,
        seq=previous.seq + 1,
        prev_hash=previous.hash,
        action=action,
        actor=actor,
        payload=payload,
    )


def record_event(
    *,
    subject: Model | str,
    action: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    locked: bool = False,
) -> Event:
    """Appends an event to the subject's chain. Must run inside the transaction of the change it records.
    `locked`: the caller holds the subject's row lock, which every writer of its chain takes, so no one can
    take the same place in the chain and the insert needs no savepoint to turn that race into a Conflict."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    stream = subject if isinstance(subject, str) else stream_of(subject)
    head, prev_hash = chain_head(stream)
    seq = head + 1
    event = _event(
        stream=stream, seq=seq, prev_hash=prev_hash, action=action, actor=actor, payload=payload or {}
    )
    if locked:
        event.save(force_insert=True)
        return event
    try:
        with transaction.atomic():
            event.save(force_insert=True)
            return event
    except IntegrityError:
        raise Conflict(
            _("Một thay đổi khác của %(stream)s vừa được ghi cùng lúc; hãy tải lại rồi thử lại."),
            code="concurrent_event",
            params={"stream": stream},
        ) from None


@transaction.atomic
def take_checkpoint(*, now: datetime | None = None) -> Checkpoint | None:
    """Hashes the heads of every chain written since the previous checkpoint onto that checkpoint."""
    now = now or timezone.now()
    # A checkpointer that waited for the lock must chain onto the checkpoint written meanwhile, not fork.
    while True:
        previous = Checkpoint.objects.select_for_update().order_by("-id").first()
        latest_id = Checkpoint.objects.order_by("-id").values_list("pk", flat=True).first()
        if latest_id == (previous.pk if previous else None):
            break
    since = previous.taken_at - CHECKPOINT_GRACE if previous else None
    heads = selectors.chain_heads(since=since)
    if previous and not heads:
        return None
    return _chain_checkpoint(previous, heads, now)


def _chain_checkpoint(previous: Checkpoint | None, heads: list[list[Any]], now: datetime) -> Checkpoint:
    prev_digest = previous.digest if previous else GENESIS_HASH
    digest = checkpoint_digest(prev_digest=prev_digest, taken_at=now, heads=heads)
    mac = checkpoint_mac(digest)
    checkpoint = Checkpoint.objects.create(
        taken_at=now, heads=heads, prev_digest=prev_digest, digest=digest, mac=mac
    )
    # Once committed only: an anchor naming a checkpoint that was rolled back would read as tampering.
    transaction.on_commit(
        lambda: write_anchor(checkpoint_id=checkpoint.pk, digest=digest, taken_at=now, mac=mac)
    )
    return checkpoint


def checkpoint_heads(*, heads: list[list[Any]], now: datetime) -> Checkpoint:
    """Records given chain heads ([[stream, seq, hash], ...] sorted) as a checkpoint, in the caller's
    transaction: for bulk writers (the data generator) whose events are older than the last checkpoint."""
    previous = Checkpoint.objects.select_for_update().order_by("-id").first()
    return _chain_checkpoint(previous, heads, now)


def verify_event_log(*, full: bool = False, chunk_size: int = 5000) -> selectors.LogVerification:
    """`tinhso verify-log`: verifies the log (every month with `full`, else the months not yet sealed) and,
    when it is intact, seals the closed months it read so that later runs skip them."""
    result = selectors.verify_event_log(full=full, chunk_size=chunk_size)
    if not result and result.to_seal:
        seal_months(result=result)
    return result


@transaction.atomic
def seal_months(*, result: selectors.LogVerification, now: datetime | None = None) -> list[SealedMonth]:
    """Records the closed months an intact verification read, each chained onto the previous seal and MAC'd
    under the log key (the key of the checkpoints)."""
    from tinhso.core.logmonths import fold_of

    now = now or timezone.now()
    previous = SealedMonth.objects.select_for_update().order_by("-id").first()
    prev_digest = previous.digest if previous else GENESIS_HASH
    checkpoint_id, checkpoint_digest = result.newest_checkpoint or (None, "")
    seals = []
    for month in result.to_seal:
        events, total, last_id, last_hash = result.months.get((month.year, month.month), [0, 0, None, ""])
        record: dict[str, Any] = {
            "month": month,
            "events": events,
            "fold": fold_of(total),
            "last_event_id": last_id,
            "last_event_hash": last_hash,
            "high_water": result.high_water,
            "checkpoint_id": checkpoint_id,
            "checkpoint_digest": checkpoint_digest,
            "checked_at": now,
        }
        digest = seal_digest(prev_digest=prev_digest, **record)
        seal = SealedMonth(prev_digest=prev_digest, digest=digest, mac=checkpoint_mac(digest), **record)
        seals.append(seal)
        prev_digest = digest
    return SealedMonth.objects.bulk_create(seals)


PARTITIONS_AHEAD = 3  # months of the event log's partitions made ahead of the current one


def make_event_partitions(*, since: date | None = None, ahead: int = PARTITIONS_AHEAD) -> list[str]:
    """On PostgreSQL, the event log's monthly partitions from `since`'s month (or this one) to `ahead` months
    on, those missing; returns their names. SQLite keeps one table."""
    if not partitions.is_partitioned():
        return []
    months = partitions.months_to_make(since=since, today=timezone.now().date(), ahead=ahead)
    with transaction.atomic():
        return partitions.make_months(months)


@transaction.atomic
def declare_calendar_day(*, actor: User, day: date, kind: str, reason: str) -> CalendarDay:
    """Declares an extra day off or a make-up working day (replacing an earlier declaration of that day)."""
    selectors.require_role(actor, Role.ADMINISTRATOR)
    if kind not in CalendarDay.Kind.values:
        raise InvalidInput(
            _("Loại ngày “%(kind)s” không hợp lệ."),
            params={"kind": kind},
            errors={"kind": [_("Loại ngày không hợp lệ.")]},
        )
    if not reason.strip():
        raise InvalidInput.on("reason", _("Cần ghi lý do."))
    calendar_day, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": kind, "reason": reason.strip(), "declared_by": actor}
    )
    record_event(
        subject=f"core.calendar:{day.year}",
        action=events.CALENDAR_DECLARED,
        actor=actor,
        payload={"date": day.isoformat(), "kind": kind, "reason": calendar_day.reason},
    )
    transaction.on_commit(working_time.forget_calendar)
    return calendar_day


def _set_password(user: User, password: str | None, *, demo: bool) -> None:
    if password is None:
        user.set_unusable_password()  # the administrator sets one when the official starts work
        return
    if not demo:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise InvalidInput(
                _("Mật khẩu chưa đủ an toàn."), errors={"password": list(error.messages)}
            ) from None
    user.set_password(password)


@transaction.atomic
def register_citizen(
    *,
    citizen_id: str,
    password: str,
    username: str | None = None,
    phone: str = "",
    demo: bool = False,
) -> User:
    """Creates a citizen account bound to an identity held by the population registry.

    A demo account skips the password rules (its password is demo1234) and is marked so that production
    refuses to start while it still accepts that password."""
    try:
        citizen_id = validate_citizen_id(citizen_id)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], errors={"citizen_id": error.messages}) from None
    identity = selectors.identity_of(citizen_id)
    if identity is None:
        raise NotFound(
            _("Số định danh cá nhân “%(citizen_id)s” không có trong Cơ sở dữ liệu quốc gia về dân cư."),
            code="citizen_not_in_registry",
            params={"citizen_id": citizen_id},
        )
    if User.objects.filter(citizen_id=citizen_id).exists():
        raise Conflict(
            _("Số định danh cá nhân “%(citizen_id)s” đã có tài khoản."),
            code="citizen_exists",
            params={"citizen_id": citizen_id},
        )
    user = User(
        username=username or citizen_id,
        citizen_id=citizen_id,
        full_name=identity.full_name,
        account_type=User.AccountType.CITIZEN,
        phone=phone,
        is_demo=demo,
    )
    _set_password(user, password, demo=demo)
    user.save()
    record_event(
        subject=user, action=events.CITIZEN_REGISTERED, actor=None, payload={"citizen_id": citizen_id}
    )
    return user


@transaction.atomic
def create_official(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    password: str | None,
    roles: Iterable[tuple[str, str] | tuple[str, str, str]] = (),
    demo: bool = False,
) -> User:
    """Creates an official's account holding roles given as (role, unit code[, domain]) (demo: as above);
    without a password the account cannot sign in until an administrator sets one."""
    if User.objects.filter(username=username).exists():
        raise Conflict(
            _("Tên đăng nhập “%(username)s” đã được dùng."),
            code="username_exists",
            params={"username": username},
        )
    user = User(username=username, full_name=full_name, account_type=User.AccountType.OFFICIAL, is_demo=demo)
    _set_password(user, password, demo=demo)
    user.save()
    record_event(subject=user, action=events.OFFICIAL_CREATED, actor=actor, payload={"username": username})
    for role, unit_code, *domain in roles:
        assign_role(
            actor=actor, user=user, role=role, unit_code=unit_code, domain=domain[0] if domain else None
        )
    return user


@transaction.atomic
def assign_role(
    *, actor: User | None, user: User, role: str, unit_code: str, domain: str | None = None
) -> RoleAssignment:
    """Gives the role over the unit in `domain` (by default the role's usual domain: DEFAULT_DOMAIN)."""
    if role not in Role.values:
        raise InvalidInput.on("role", _("Vai trò “%(role)s” không tồn tại."), params={"role": role})
    domain = domain or permissions.DEFAULT_DOMAIN[role]
    if domain not in Domain.values:
        raise InvalidInput.on("domain", _("Lĩnh vực “%(domain)s” không tồn tại."), params={"domain": domain})
    unit = selectors.unit_by_code(unit_code)
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, domain=domain, unit=unit
    )
    if role == Role.ADMINISTRATOR and not user.is_staff:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    record_event(
        subject=user,
        action=events.ROLE_ASSIGNED,
        actor=actor,
        payload={"role": role, "domain": domain, "unit": unit.code},
    )
    return assignment


@transaction.atomic
def issue_api_token(
    *, user: User, session_key: str = "", client: str = "", address: str = ""
) -> tuple[str, ApiToken]:
    """Returns a new bearer token (shown once) for a user whose credentials were checked (core.auth.sign_in),
    bound to the current password and, when a signed-in session asked, to that session."""
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(hours=settings.TINHSO_API_TOKEN_HOURS)
    api_token = ApiToken.objects.create(
        user=user,
        token_hash=sha256(token.encode()).hexdigest(),
        expires_at=expires_at,
        auth_hash=user.get_session_auth_hash(),
        session_key=session_key or "",
        client=client[:200],
        address=address[:45],
    )
    record_event(subject=user, action=events.API_TOKEN_ISSUED, actor=user, payload={"token_id": api_token.pk})
    return token, api_token


@transaction.atomic
def revoke_api_token(*, actor: User, token_id: int) -> None:
    """The holder revokes one of their tokens (from the API with it, or from their list of tokens)."""
    deleted, _ = ApiToken.objects.filter(user=actor, pk=token_id).delete()
    if not deleted:
        raise NotFound("Không tìm thấy mã truy cập này.", code="token_not_found")
    record_event(subject=actor, action=events.API_TOKEN_REVOKED, actor=actor, payload={"token_id": token_id})


@transaction.atomic
def revoke_session_tokens(*, user: User, session_key: str) -> int:
    """On sign-out, the tokens the session asked for die with it."""
    if not session_key:
        return 0
    ids = list(ApiToken.objects.filter(user=user, session_key=session_key).values_list("pk", flat=True))
    if ids:
        ApiToken.objects.filter(pk__in=ids).delete()
        record_event(
            subject=user, action=events.API_TOKENS_SIGNED_OUT, actor=user, payload={"token_ids": ids}
        )
    return len(ids)


@transaction.atomic
def save_population_record(
    *,
    citizen_id: str,
    full_name: str,
    birth_date: date,
    sex: str,
    permanent_address: str,
    permanent_commune: AdminUnit | None,
) -> PopulationRecord:
    try:
        citizen_id = validate_citizen_id(citizen_id, birth_date=birth_date, sex=sex)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], errors={"citizen_id": error.messages}) from None
    record, _created = PopulationRecord.objects.update_or_create(
        citizen_id=citizen_id,
        defaults={
            "full_name": full_name,
            "birth_date": birth_date,
            "sex": sex,
            "permanent_address": permanent_address,
            "permanent_commune": permanent_commune,
        },
    )
    return record


REFORM_DATE = date(2025, 7, 1)
# The agencies that receive dossiers in every province after the 2025 reform: (number, name, kind).
PROVINCIAL_AGENCIES = (
    ("01", "Trung tâm Phục vụ hành chính công", AdminUnit.Kind.SERVICE_CENTRE),
    ("15", "Sở Tư pháp", AdminUnit.Kind.AGENCY),
    ("16", "Sở Xây dựng", AdminUnit.Kind.AGENCY),
    ("17", "Sở Nông nghiệp và Môi trường", AdminUnit.Kind.AGENCY),
    ("18", "Sở Tài chính", AdminUnit.Kind.AGENCY),
    ("19", "Sở Y tế", AdminUnit.Kind.AGENCY),
    ("20", "Sở Giáo dục và Đào tạo", AdminUnit.Kind.AGENCY),
    ("21", "Công an", AdminUnit.Kind.AGENCY),
)


def _unit_rows() -> list[dict[str, Any]]:
    from vietnamadminunits.database import query

    rows: list[dict[str, Any]] = query("SELECT * FROM admin_units ORDER BY provinceCode, wardCode")
    return rows


@transaction.atomic
def import_admin_units() -> int:
    """Loads or refreshes the 34 provinces and 3,321 communes shipped by `vietnamadminunits`."""
    rows = _unit_rows()
    units: dict[str, AdminUnit] = {}
    for row in rows:
        code = row["provinceCode"]
        units.setdefault(
            code,
            AdminUnit(
                code=code,
                name=row["province"],
                short_name=row["provinceShort"],
                kind=AdminUnit.Kind.PROVINCE,
                category=row["province"].split(" ")[0] if row["province"].startswith("Tỉnh") else "Thành phố",
                path=f"{code}/",
                depth=0,
                latitude=row["provinceLat"],
                longitude=row["provinceLon"],
                valid_from=REFORM_DATE,
            ),
        )
    _save_units(list(units.values()))
    provinces = {unit.code: unit for unit in AdminUnit.objects.filter(kind=AdminUnit.Kind.PROVINCE)}
    communes = [
        AdminUnit(
            code=row["wardCode"],
            name=row["ward"],
            short_name=row["wardShort"],
            kind=AdminUnit.Kind.COMMUNE,
            category=row["wardType"],
            parent=provinces[row["provinceCode"]],
            path=f"{row['provinceCode']}/{row['wardCode']}/",
            depth=1,
            latitude=row["wardLat"],
            longitude=row["wardLon"],
            area_km2=row["wardAreaKm2"],
            valid_from=REFORM_DATE,
        )
        for row in rows
    ]
    _save_units(communes)
    return len(units) + len(communes)


def _save_units(units: list[AdminUnit]) -> None:
    existing = dict(AdminUnit.objects.filter(code__in=[u.code for u in units]).values_list("code", "pk"))
    fresh = [unit for unit in units if unit.code not in existing]
    stale = [unit for unit in units if unit.code in existing]
    for unit in stale:
        unit.pk = existing[unit.code]
    AdminUnit.objects.bulk_create(fresh, batch_size=500)
    AdminUnit.objects.bulk_update(
        stale, ["name", "short_name", "category", "latitude", "longitude", "area_km2"], batch_size=500
    )


@transaction.atomic
def create_agency(
    *,
    actor: User | None,
    parent: AdminUnit,
    agency_code: str,
    name: str,
    kind: str = AdminUnit.Kind.AGENCY,
    category: str = "",
) -> AdminUnit:
    """Adds (or renames) a receiving unit under `parent`; its agency code prefixes its dossier codes."""
    unit, created = AdminUnit.objects.update_or_create(
        code=agency_code,
        defaults={
            "name": name,
            "kind": kind,
            "category": category,
            "parent": parent,
            "agency_code": agency_code,
            "path": f"{parent.path}{agency_code}/",
            "depth": parent.depth + 1,
            "valid_from": REFORM_DATE,
            "latitude": parent.latitude,
            "longitude": parent.longitude,
        },
    )
    if created:
        record_event(
            subject=unit,
            action=events.UNIT_CREATED,
            actor=actor,
            payload={"name": name, "parent": parent.code},
        )
    return unit


@transaction.atomic
def create_province_agencies(*, actor: User | None = None) -> list[AdminUnit]:
    """The configured province's agencies and each of its communes' people's committee."""
    province = selectors.province_unit()
    portal_code = settings.TINHSO_PROVINCE
    where = f"{province.category.lower()} {province.short_name}"
    agencies = [
        create_agency(
            actor=actor,
            parent=province,
            agency_code=f"000.00.{number}.{portal_code}",
            name=f"{name} {where}",
            kind=kind,
            category=name.split(" ")[0],
        )
        for number, name, kind in PROVINCIAL_AGENCIES
    ]
    for commune in AdminUnit.objects.filter(parent=province, kind=AdminUnit.Kind.COMMUNE):
        agencies.append(
            create_agency(
                actor=actor,
                parent=commune,
                agency_code=f"{commune.code}.{portal_code}",
                name=f"Ủy ban nhân dân {commune.name[0].lower()}{commune.name[1:]}",
                category="UBND",
            )
        )
    return agencies


def sweep_orphan_files(*, now: datetime | None = None) -> int:
    """Deletes stored files no row refers to any more; returns how many were deleted."""
    orphans = files.orphan_files(now=now)
    for storage, name in orphans:
        storage.delete(name)
    return len(orphans)
