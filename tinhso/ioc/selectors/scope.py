"""Whom the IOC lets see what: a province leader sees the province, a unit leader their units; and where the rollups stand."""

from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils.translation import gettext_lazy

from tinhso.core import caching, permissions, routers
from tinhso.core import selectors as core_selectors
from tinhso.core.errors import Forbidden, NotFound
from tinhso.core.models import AdminUnit, Domain, User
from tinhso.ioc import periods, sql
from tinhso.ioc.models import (
    STATE_NAME,
    ConsumerState,
)
from tinhso.ioc.periods import Period

IOC_ROLES = tuple(sorted(permissions.roles_for(Domain.OPERATIONS, "view")))  # core.permissions.MATRIX


def may_see_ioc(user: User) -> bool:
    return user.is_authenticated and any(
        assignment.role in IOC_ROLES
        for assignment in core_selectors.active_roles(user, domain=Domain.OPERATIONS)
    )


def root_units(user: User) -> list[AdminUnit]:
    """The highest units the user leads (the province for a province leader)."""
    if not user.is_authenticated:
        raise Forbidden(gettext_lazy("Cần đăng nhập bằng tài khoản lãnh đạo."), code="ioc_forbidden")
    roles = core_selectors.roles_in_force(user, domain=Domain.OPERATIONS)
    units = sorted({a.unit for a in roles if a.role in IOC_ROLES}, key=lambda unit: unit.path)
    roots = [
        unit
        for unit in units
        if not any(unit.path.startswith(other.path) and unit != other for other in units)
    ]
    if not roots:
        raise Forbidden(
            gettext_lazy("Trung tâm điều hành dành cho lãnh đạo tỉnh và lãnh đạo đơn vị."),
            code="ioc_forbidden",
        )
    return roots


def unit_for(user: User, code: str = "", *, roots: list[AdminUnit] | None = None) -> AdminUnit:
    """The unit asked for, if the user leads it or a unit above it; their first unit when none is asked.
    `roots` are the user's root_units when the caller has read them already."""
    roots = root_units(user) if roots is None else roots
    if not code:
        return roots[0]
    unit = AdminUnit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound(
            gettext_lazy("Không tìm thấy đơn vị có mã “%(code)s”."),
            code="unit_not_found",
            params={"code": code},
            value=code,
        )
    # The units a leader follows are those under the units they lead, i.e. under one of their roots.
    if not any(unit.path.startswith(root.path) for root in roots):
        raise Forbidden(
            gettext_lazy("Anh/chị không theo dõi số liệu của đơn vị này."), code="ioc_unit_forbidden"
        )
    return unit


def period_or_current(key: str, now: datetime) -> Period:
    return periods.parse(key) if key else periods.of(now)


# The administrative map changes when it is reloaded: building a province's 137 units took a dashboard longer
# than summing its counters. Each process keeps the units under a unit a minute.
_UNITS_UNDER = caching.Kept("ioc.units_under", seconds=60.0)


def _units_under(unit: AdminUnit) -> list[AdminUnit]:
    """The unit and every unit under it, by name, as this process read them less than a minute ago."""
    return list(_UNITS_UNDER.get(unit.path, lambda: list(core_selectors.units_under(unit).order_by("name"))))


def state() -> ConsumerState | None:
    return ConsumerState.objects.filter(name=STATE_NAME).first()


def data_as_of() -> datetime | None:
    return ConsumerState.objects.filter(name=STATE_NAME).values_list("updated_at", flat=True).first()


def replica_lag() -> int | None:
    """Whole seconds the replica this request reads from trails the primary, shown beside "data as of";
    None when it reads from the primary."""
    lag = routers.replica_lag()
    return None if lag is None else round(lag)


def newest_event_id() -> int:
    """The id of the newest dossier or report event, 0 when there is none."""
    return sql.newest_events().values_list("pk", flat=True).first() or 0


def log_given() -> int | None:
    """The highest id the event log has handed out, read on the primary (ioc.sql.log_given): at or below the
    rollups' cursor, no event came since they last moved."""
    database = connections[DEFAULT_DB_ALIAS]
    with database.cursor() as cursor:
        cursor.execute(f"SELECT {sql.log_given(database.vendor)}")
        given: int | None = cursor.fetchone()[0]
    return given


def state_and_newest() -> tuple[ConsumerState | None, int]:
    """Where the rollups stand and the newest event id they should reach: one statement while they exist."""
    found = ConsumerState.objects.raw(*sql.state_and_newest(connection.vendor))
    current = next(iter(found), None)
    if current is None:
        return None, newest_event_id()
    return current, getattr(current, "newest", None) or 0


_NOT_READ = object()
