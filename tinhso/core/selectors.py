"""Reads of the data core, with the caller's scope applied where there is one."""

from hashlib import sha256

from django.contrib.auth import authenticate
from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from tinhso.core.errors import Forbidden, NotFound
from tinhso.core.models import PATH_SEPARATOR, AdminUnit, ApiToken, Event, Role, RoleAssignment, User
from tinhso.core.population import Identity, population_registry


def unit_by_code(code: str) -> AdminUnit:
    unit = AdminUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị có mã “{code}”.", code="unit_not_found", value=code)
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


def active_roles(user: User) -> QuerySet[RoleAssignment]:
    today = timezone.localdate()
    return (
        RoleAssignment.objects.filter(user=user)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("unit")
    )


def units_where(user: User, *roles: str) -> QuerySet[AdminUnit]:
    """Units (with their subtrees) over which the user holds any of the roles; empty for citizens."""
    paths = [
        assignment.unit.path for assignment in active_roles(user) if not roles or assignment.role in roles
    ]
    if not paths:
        return AdminUnit.objects.none()
    condition = Q()
    for path in paths:
        condition |= under_path(path)
    return AdminUnit.objects.filter(condition)


def has_role(user: User, role: str) -> bool:
    return any(assignment.role == role for assignment in active_roles(user))


def require_role(user: User, *roles: str) -> None:
    if not any(has_role(user, role) for role in roles):
        names = ", ".join(str(Role(role).label) for role in roles)
        raise Forbidden(f"Chức năng này dành cho: {names}.", code="role_required")


def identity_of(citizen_id: str) -> Identity | None:
    return population_registry().lookup(citizen_id)


def authenticate_credentials(*, username: str, password: str) -> User:
    from tinhso.core.errors import DomainError

    user = authenticate(username=username, password=password)
    if user is None:
        error = DomainError("Tên đăng nhập hoặc mật khẩu không đúng.", code="invalid_credentials")
        error.status = 401
        raise error
    return user


def user_by_token(token: str) -> User | None:
    digest = sha256(token.encode()).hexdigest()
    api_token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
    if api_token is None or api_token.expires_at <= timezone.now() or not api_token.user.is_active:
        return None
    return api_token.user


def chain_heads(*, since=None) -> list[list]:
    """[[stream, seq, hash], ...] of the last event of every stream written since `since` (all if None)."""
    events = Event.objects.all() if since is None else Event.objects.filter(occurred_at__gte=since)
    last_seq = events.values("stream").annotate(seq=Max("seq")).values_list("stream", "seq")
    wanted = dict(last_seq)
    if not wanted:
        return []
    heads = []
    streams = sorted(wanted)
    for start in range(0, len(streams), 500):
        condition = Q()
        for stream in streams[start : start + 500]:
            condition |= Q(stream=stream, seq=wanted[stream])
        heads.extend(
            [list(row) for row in Event.objects.filter(condition).values_list("stream", "seq", "hash")]
        )
    heads.sort()
    return heads
