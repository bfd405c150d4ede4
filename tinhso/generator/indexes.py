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
from tinhso.generator.models import DeferredIndex
from tinhso.ioc.models import DossierFact, ReportFact

# The tables a run fills, the largest first (rebuilt in this order). Not the counters: their upserts need
# their unique keys while the run writes.
LOADED: tuple[type[Model], ...] = (Event, Dossier, DossierFact, User, PopulationRecord, Report, ReportFact)
# Below this many new dossiers, or fewer than the table already holds, updating indexes in place costs less.
WORTH_FROM = 100_000
BUILD_MEMORY = "512MB"  # maintenance_work_mem of each rebuild: sorts in memory instead of on disk

# Every index of the loaded tables but primary keys (ids come in order and are read back during the run)
# and unique keys a foreign key points at (they cannot be dropped while it does).
_SECONDARY = """
SELECT i.indexrelid::regclass::text, t.relname, pg_get_indexdef(i.indexrelid), k.conname,
       pg_get_constraintdef(k.oid)
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
WHERE t.relname = ANY(%s) AND pg_table_is_visible(t.oid) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
ORDER BY array_position(%s, t.relname::text), i.indexrelid
"""


def analyze(*, log: Callable[[str], None]) -> None:
    """Gives the planner the loaded tables' statistics at once (ANALYZE; SQLite's takes the same statement),
    instead of leaving them to autovacuum, which may be off or far behind a bulk load."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        for model in LOADED:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    log(f"ANALYZE {len(LOADED)} bảng ({time.monotonic() - started:.1f} s)")


def worth_deferring(new_dossiers: int) -> bool:
    if connection.vendor != "postgresql" or new_dossiers < WORTH_FROM:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Dossier._meta.db_table])
        held = cursor.fetchone()[0]
    return new_dossiers >= held  # reltuples is -1 for a table never analysed: empty or nearly


def defer() -> int:
    """Drops the loaded tables' secondary indexes and unique constraints, keeping how to rebuild each."""
    if connection.vendor != "postgresql":
        return 0
    tables = [model._meta.db_table for model in LOADED]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_SECONDARY, [tables, tables])
        rows = cursor.fetchall()
        for index, table, definition, constraint, constraint_definition in rows:
            quoted = connection.ops.quote_name(table)
            if constraint:
                name = connection.ops.quote_name(constraint)
                rebuild = f"ALTER TABLE {quoted} ADD CONSTRAINT {name} {constraint_definition}"
                drop = f"ALTER TABLE {quoted} DROP CONSTRAINT {name}"
            else:
                rebuild, drop = definition, f"DROP INDEX {index}"
            DeferredIndex.objects.create(name=constraint or index, table=table, rebuild=rebuild)
            cursor.execute(drop)
    return len(rows)


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
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for _ in pool.map(_rebuild_one, pending):
            pass
    return len(pending)


def _rebuild_one(index: DeferredIndex) -> None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [BUILD_MEMORY])
            cursor.execute(index.rebuild)
            DeferredIndex.objects.filter(pk=index.pk).delete()
    finally:
        connection.close()  # this thread's own connection
