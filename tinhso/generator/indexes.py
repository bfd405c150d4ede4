"""Secondary indexes set aside while a large run loads (PostgreSQL only), as pg_restore loads: an index built
once from sorted rows costs far less than one updated row by row, and the event table's five indexes take
seventy million random insertions at ten million dossiers. Each definition is kept (DeferredIndex) in the
transaction that drops it; the run rebuilds them at its end, and a run killed before that leaves them for
the next run, which rebuilds them before it writes anything. Meanwhile nothing else may write those tables
(their unique keys are gone): the generator fills benchmark and demo databases, never a production one."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Model

from tinhso.core.models import Event, PopulationRecord, User
from tinhso.dossiers.models import Dossier
from tinhso.fieldreports.models import Report
from tinhso.generator import sql
from tinhso.generator.models import DeferredIndex
from tinhso.ioc.models import DossierFact, ReportFact

# The tables a run fills, the largest first (rebuilt in this order). Not the counters: their upserts need
# their unique keys while the run writes.
LOADED: tuple[type[Model], ...] = (Event, Dossier, DossierFact, User, PopulationRecord, Report, ReportFact)
# Below this many new dossiers, or fewer than the table already holds, updating indexes in place costs less.
WORTH_FROM = 100_000
BUILD_MEMORY = "512MB"  # maintenance_work_mem of each rebuild: sorts in memory instead of on disk


def analyze(*, log: Callable[[str], None]) -> None:
    """Gives the planner the loaded tables' statistics at once (ANALYZE; SQLite's takes the same statement),
    instead of leaving them to autovacuum, which may be off or far behind a bulk load."""
    started = time.monotonic()
    sql.analyze(tables=[model._meta.db_table for model in LOADED])
    log(f"ANALYZE {len(LOADED)} bảng ({time.monotonic() - started:.1f} s)")


def worth_deferring(new_dossiers: int) -> bool:
    if connection.vendor != "postgresql" or new_dossiers < WORTH_FROM:
        return False
    return new_dossiers >= sql.estimated_rows(
        table=Dossier._meta.db_table
    )  # reltuples is -1 for a table never analysed: empty or nearly


def defer() -> int:
    """Drops the loaded tables' secondary indexes and unique constraints, keeping how to rebuild each."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic():
        dropped = sql.drop_secondary_indexes(tables=[model._meta.db_table for model in LOADED])
        DeferredIndex.objects.bulk_create(
            DeferredIndex(name=name, table=table, rebuild=rebuild) for name, table, rebuild in dropped
        )
    return len(dropped)


@contextmanager
def set_aside(enabled: bool, *, workers: int, log: Callable[[str], None]) -> Iterator[None]:
    """The block runs without the secondary indexes (when `enabled`), which are rebuilt after it even when
    it fails; only a killed process leaves them to the next rebuild()."""
    if enabled:
        log(f"Tạm gỡ {defer()} chỉ mục phụ trong lúc nạp (dựng lại ở cuối)")
    try:
        yield
    finally:
        started = time.monotonic()
        if rebuilt := rebuild(workers=workers, log=log):
            log(f"{rebuilt} chỉ mục dựng lại trong {time.monotonic() - started:.1f} s")


def rebuild(*, workers: int = 1, log: Callable[[str], None] = lambda line: None) -> int:
    """Rebuilds what defer() dropped, `workers` at a time (each on its own connection); each index is gone
    from DeferredIndex in the transaction that builds it."""
    if connection.vendor != "postgresql":
        return 0
    pending = list(DeferredIndex.objects.all())
    if not pending:
        return 0
    log(f"Dựng lại {len(pending)} chỉ mục đã tạm gỡ để nạp nhanh…")
    shares = [pending[first :: max(1, workers)] for first in range(min(max(1, workers), len(pending)))]
    with ThreadPoolExecutor(len(shares)) as pool:
        for _ in pool.map(_rebuild_share, shares):
            pass
    return len(pending)


def _rebuild_share(share: list[DeferredIndex]) -> None:
    """Rebuilds its indexes in turn on one connection of its own: a database session started once, not once
    per index."""
    try:
        for index in share:
            with transaction.atomic():
                sql.rebuild_index(statement=index.rebuild, memory=BUILD_MEMORY)
                DeferredIndex.objects.filter(pk=index.pk).delete()
    finally:
        connection.close()  # this thread's own connection
