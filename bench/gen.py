"""`tinhso gen` against PostgreSQL taking the same rows by COPY, in one run (issue 25): the generator's whole
CPU per dossier (its processes and the PostgreSQL backends serving them) over PostgreSQL's own CPU to COPY
every row the run wrote into a copy of the database as it was before the run, with the secondary indexes
built afterwards as the generator builds them. Goal: at most 3x.
Run: .venv/bin/python bench/gen.py  (see bench/README.md)."""

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness

GOAL_RATIO = 3.0
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench_gen"
# The backends whose CPU counts: clients' and their parallel workers; not autovacuum's, which comes later
# to a table loaded either way.
COUNTED = ("client backend", "parallel worker")


class BackendCpu(threading.Thread):
    """CPU seconds of a database's backends, read from /proc 5 times a second (each backend's last reading
    counts after it ends)."""

    def __init__(self, url: str, database: str) -> None:
        super().__init__(daemon=True)
        self.url, self.database = url, database
        self.seen: dict[int, float] = {}
        self.finished = threading.Event()

    def _read(self, conn) -> None:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = ANY(%s) "
            "AND pid <> pg_backend_pid()",
            [self.database, list(COUNTED)],
        ).fetchall()
        for (pid,) in rows:
            cpu = harness.process_cpu(pid)
            if cpu:
                self.seen[pid] = max(self.seen.get(pid, 0.0), cpu)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(harness.maintenance_url(self.url), autocommit=True) as conn:
            while not self.finished.wait(0.2):
                self._read(conn)
            self._read(conn)

    def stop(self) -> float:
        self.finished.set()
        self.join()
        return sum(self.seen.values())


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(harness.maintenance_url(url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def tinhso(url: str, *command: str) -> None:
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tinhso.settings"}
    subprocess.run([str(harness.ROOT / ".venv/bin/tinhso"), *command], env=env, check=True)


def prepare(args: argparse.Namespace, base: str) -> None:
    """The database migrated with the demo catalog, and `base`, a copy of it before any generated row."""
    name = harness.database_name(args.database_url)
    if "bench" not in name:
        sys.exit(f"Refusing to drop database {name!r}: only databases named *bench* are recreated.")
    admin(
        args.database_url,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)',
        f'CREATE DATABASE "{name}"',
    )
    tinhso(args.database_url, "migrate", "-v0")
    tinhso(args.database_url, "load-demo")
    admin(args.database_url, f'CREATE DATABASE "{base}" TEMPLATE "{name}"')


def generate(args: argparse.Namespace) -> tuple[float, float, float]:
    """(wall, generator processes' CPU, backends' CPU) in seconds of `tinhso gen`."""
    sampler = BackendCpu(args.database_url, harness.database_name(args.database_url))
    sampler.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    tinhso(
        args.database_url, "gen", f"--dossiers={args.dossiers}", f"--reports={args.reports}",
        f"--workers={args.workers}",
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the generator and its worker processes, waited for
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, sampler.stop()


def leaf_tables(conn) -> dict[str, int]:
    """Rows of every table holding rows (partitions, not their parents), counted."""
    names = [
        name
        for (name,) in conn.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        ).fetchall()
    ]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def missing_partitions(source, target) -> list[str]:
    """CREATE TABLE ... PARTITION OF for the partitions the run made (the event log's months), each with the
    indexes of its own (tinhso.core.partitions gives every month a unique key on (stream, seq)), so the COPY
    fills and builds the same indexes as the generator."""
    rows = source.execute(
        "SELECT c.relname, p.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE c.relkind = 'r'"
    ).fetchall()
    present = {name for (name,) in target.execute("SELECT relname FROM pg_class").fetchall()}
    missing = [(c, p, bound) for c, p, bound in rows if c not in present]
    own_indexes = source.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)",
        [[c for c, _, _ in missing]],
    ).fetchall()
    return [f'CREATE TABLE "{c}" PARTITION OF "{p}" {bound}' for c, p, bound in missing] + [
        definition for (definition,) in own_indexes
    ]


def copy_rows(args: argparse.Namespace, base: str) -> tuple[float, float, int, int]:
    """PostgreSQL's CPU to take every row of the generated database's written tables by COPY into `base`
    (as it was before the run; its rows of those tables deleted first, unmeasured), the loaded tables'
    secondary indexes dropped first and built after when the generator does so too, then ANALYZE: (wall,
    backends' CPU, rows copied, indexes built after)."""
    import django
    import psycopg

    base_url = with_database(args.database_url, base)
    os.environ["DATABASE_URL"] = base_url
    django.setup()
    from django.db import connection, transaction

    from tinhso.generator import indexes, sql

    with psycopg.connect(args.database_url) as source:
        counts = leaf_tables(source)
        with connection.cursor() as cursor:
            for statement in missing_partitions(source, cursor.connection):
                cursor.execute(statement)
            before = leaf_tables(cursor.connection)
            tables = sorted((t for t in counts if counts[t] > before.get(t, 0)), key=lambda t: -counts[t])
            cursor.execute("SET session_replication_role = replica")  # as the generator's batches
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')
        loaded = [model._meta.db_table for model in indexes.LOADED]
        dropped = []
        if args.dossiers >= indexes.WORTH_FROM:  # as the generator defers them on a database this empty
            with transaction.atomic():
                dropped = sql.drop_secondary_indexes(tables=loaded)
        connection.close()
        sampler = BackendCpu(base_url, base)
        sampler.start()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            for table in tables:
                with (
                    source.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as out,
                    cursor.connection.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as into,
                ):
                    for data in out:
                        into.write(data)
            for _, _, rebuild in dropped:
                sql.rebuild_index(statement=rebuild, memory=indexes.BUILD_MEMORY)
            sql.analyze(tables=loaded)
        wall = time.perf_counter() - started
        cpu = sampler.stop()
    return wall, cpu, sum(counts[t] for t in tables), len(dropped)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=1, help="tinhso gen --workers")
    parser.add_argument(
        "--copy-only",
        action="store_true",
        help="the database is already generated and <name>_base is its copy from before: only COPY",
    )
    return parser.parse_args()


def main() -> None:
    args = arguments()
    base = f"{harness.database_name(args.database_url)}_base"
    os.environ |= {"DJANGO_SETTINGS_MODULE": "tinhso.settings", "TINHSO_VAR_DIR": "/tmp/tinhso-bench-gen"}
    if not args.copy_only:
        prepare(args, base)
        wall, cpu, backends = generate(args)
        total = cpu + backends
        print(
            f"== tinhso gen --dossiers {args.dossiers:,} --reports {args.reports:,} --workers {args.workers}: "
            f"{wall:.1f} s wall; CPU {cpu:.1f} s in its processes + {backends:.1f} s in PostgreSQL = "
            f"{total:.1f} s, {total / args.dossiers * 1000:.2f} ms per dossier"
        )
    copy_wall, copy_cpu, rows, built = copy_rows(args, base)
    print(
        f"== The same {rows:,} rows by COPY into {base}, {built} indexes built after, ANALYZE: {copy_wall:.1f} s wall; "
        f"PostgreSQL CPU {copy_cpu:.1f} s, {copy_cpu / args.dossiers * 1000:.2f} ms per dossier"
    )
    if args.copy_only:
        sys.exit(0)
    ratio = total / copy_cpu
    met = ratio <= GOAL_RATIO
    print(f"== CPU ratio gen / COPY = {ratio:.2f} (goal <= {GOAL_RATIO:g}): {'met' if met else 'NOT met'}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
