"""The catalog's indicators (1.2, 1.3, 3.1, 4.1, 5.6): current procedures grouped by what they meet."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from tinhso.catalog.models import Procedure, ProcessStep, RequiredDocument
from tinhso.core import caching
from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit
from tinhso.ioc import sql


def _procedures(unit: AdminUnit, sector: str = "") -> QuerySet[Procedure]:
    """Current procedures decided under the unit: its agencies' own, and the commune-level ones when the
    unit holds communes' people's committees."""
    procedures = Procedure.objects.filter(is_current=True)
    condition = Q(level=Procedure.Level.PROVINCE) & core_selectors.under_path(unit.path, "authority__path")
    if _holds_committees(unit):
        condition |= Q(level=Procedure.Level.COMMUNE)
    procedures = procedures.filter(condition)
    return procedures.filter(sector=sector) if sector else procedures


def _complete_parts() -> Q:
    steps = ProcessStep.objects.filter(procedure=OuterRef("pk"))
    documents = RequiredDocument.objects.filter(procedure=OuterRef("pk"))
    return (
        ~Q(name="")
        & ~Q(authority_name="")
        & ~Q(online_level="")
        & (Q(processing_days__gt=0) | Q(processing_hours__gt=0))
        & Q(Exists(steps))
        & Q(Exists(documents))
    )


CATALOG_CONDITIONS: dict[str, Callable[[], Q]] = {
    "1.2": lambda: Q(code_is_national=True),
    "1.3": _complete_parts,
    "3.1": lambda: Q(online_level__in=[Procedure.OnlineLevel.FULL, Procedure.OnlineLevel.PARTIAL]),
    # Every fee the platform charges can be paid online (payments.selectors.due), so 4.1 is over these.
    "4.1": lambda: Q(fee__gt=0),
    "5.6": lambda: Q(
        Exists(
            RequiredDocument.objects.filter(
                procedure=OuterRef("pk"), reusable_from=RequiredDocument.Source.POPULATION_REGISTRY
            )
        )
    ),
}


@dataclass(frozen=True)
class CatalogRow:
    """Current procedures of one level, authority and sector that meet the same catalog indicators."""

    level: str
    authority_path: str
    meets: frozenset[str]
    procedures: int = 1
    sector: str = ""


def _catalog_conditions() -> list[Q]:
    return [condition() for condition in CATALOG_CONDITIONS.values()]


def catalog_rows(sector: str = "") -> list[CatalogRow]:
    """Current procedures grouped by level, authority, sector and the catalog indicators they meet, in the
    order of their sectors: one query."""
    found = sql.rows(sql.catalog(connection.vendor, _catalog_conditions))
    groups: dict[tuple[str, str, str, frozenset[str]], int] = {}
    for level, authority_path, row_sector, *flags in found:
        if sector and row_sector != sector:
            continue
        meets = frozenset(code for code, met in zip(CATALOG_CONDITIONS, flags, strict=True) if met)
        key = (level, authority_path or "", row_sector, meets)
        groups[key] = groups.get(key, 0) + 1
    return [
        CatalogRow(level, path, meets, count, sector)
        for (level, path, sector, meets), count in groups.items()
    ]


# Publishing a procedure raises no event the dashboards follow, so their shared renders may show the catalog's
# indicators a minute late already (views.DASHBOARD_SECONDS); each process reads the catalog that often too.
_CATALOG = caching.Kept("ioc.catalog_rows", seconds=60.0, max_entries=1)


def _recent_catalog_rows() -> list[CatalogRow]:
    """catalog_rows() as this process read it less than a minute ago."""
    return _CATALOG.get("all", catalog_rows)


def _holds_committees(unit: AdminUnit) -> bool:
    return unit.kind in (AdminUnit.Kind.PROVINCE, AdminUnit.Kind.COMMUNE) or unit.category == "UBND"


def catalog_counts(
    *, unit: AdminUnit, sector: str = "", rows: list[CatalogRow] | None = None
) -> dict[str, tuple[int, int]]:
    """(procedures meeting, procedures) per catalog indicator, over the procedures decided under the unit."""
    rows = (
        catalog_rows(sector) if rows is None else [row for row in rows if not sector or row.sector == sector]
    )
    return _tally(_decided_under(unit, rows))


def _decided_under(unit: AdminUnit, rows: list[CatalogRow]) -> list[CatalogRow]:
    committees = _holds_committees(unit)
    return [
        row
        for row in rows
        if (row.level == Procedure.Level.COMMUNE and committees)
        or (row.level == Procedure.Level.PROVINCE and row.authority_path.startswith(unit.path))
    ]


# Indicators over the procedures meeting their own condition, not over every current procedure.
OVER_THEIR_OWN = frozenset({"4.1"})


def _tally(rows: list[CatalogRow]) -> dict[str, tuple[int, int]]:
    total = sum(row.procedures for row in rows)
    counts = {}
    for code in CATALOG_CONDITIONS:
        meeting = sum(row.procedures for row in rows if code in row.meets)
        counts[code] = (meeting, meeting if code in OVER_THEIR_OWN else total)
    return counts
