"""How the storage of reporting values decides an import's speed, in plain SQL on PostgreSQL (issue 20): the
100,000 values of bench/reporting.py's import taken by each candidate storage, against the same floor (COPY into
a bare unlogged table of five text columns), by turns in one session, with the load average beside each round,
the client's CPU and the PostgreSQL backend's. Then what each storage costs its readers and a one-cell save.

Candidates (all logged, references checked per statement by the trigger of reporting's migration 0003):
- rows: today's reporting_datavalue, a surrogate key and the cell's unique index;
- composite key: the same row with the cell's columns as its primary key (DHIS2's datavalue);
- block: one row per report, indicator version and kind holding {breakdown: value} as jsonb, the other
  columns once for the block;
- block, every cell's columns: the same with [value, comment, status, public, revision, when, who, batch]
  per breakdown;
- block merged: the block's values merged (`||`) into blocks already there, as an import into filled reports.
Rows are sent as COPY text built by joins, so the client's share is the least any import pays.
Drops and recreates `tinhso_bench_reporting_storage` (only a name containing `bench` is dropped).
Run: .venv/bin/python bench/reporting_storage.py [--rounds 5] [--database-url postgres://.../..._bench_...]"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import harness

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tinhso_bench_reporting_storage"
UNITS, BREAKDOWNS, COUNT = 72, 1400, 100_000  # as bench/reporting.py's import

REFERENCES = """
CREATE TABLE report (id bigint PRIMARY KEY);
INSERT INTO report SELECT g FROM generate_series(1, 200) g;
CREATE TABLE version (id bigint PRIMARY KEY);
INSERT INTO version VALUES (1);
CREATE TABLE person (id bigint PRIMARY KEY);
INSERT INTO person VALUES (1);
CREATE FUNCTION required(parent regclass, ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    found bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s WHERE id = ANY($1) FOR KEY SHARE) p', parent)
        INTO found USING ids;
    IF found < cardinality(ids) THEN
        RAISE EXCEPTION 'reference' USING ERRCODE = 'foreign_key_violation';
    END IF;
END $$;
CREATE FUNCTION references_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM required('report', (SELECT array_agg(DISTINCT submission_id) FROM new_rows));
    PERFORM required('version', (SELECT array_agg(DISTINCT indicator_version_id) FROM new_rows));
    PERFORM required('person', (SELECT array_agg(DISTINCT changed_by_id) FROM new_rows));
    RETURN NULL;
END $$;
CREATE UNLOGGED TABLE floor (unit text, indicator text, breakdown text, period text, value numeric);
"""
CELL = """submission_id bigint NOT NULL, indicator_version_id bigint NOT NULL, disaggregation varchar(40) NOT NULL,
kind varchar(6) NOT NULL, value numeric(24, 4), comment text NOT NULL, obs_status varchar(1) NOT NULL,
public boolean NOT NULL, revision integer NOT NULL, changed_at timestamptz NOT NULL, changed_by_id bigint,
batch_id bigint"""
BLOCK = """submission_id bigint NOT NULL, indicator_version_id bigint NOT NULL, kind varchar(6) NOT NULL,
cells jsonb NOT NULL, revision integer NOT NULL, changed_at timestamptz NOT NULL, changed_by_id bigint,
batch_id bigint, PRIMARY KEY (submission_id, indicator_version_id, kind)"""
TABLES = {
    "rows": f"{CELL}, id bigserial PRIMARY KEY, UNIQUE (submission_id, indicator_version_id, disaggregation, kind)",
    "composite": f"{CELL}, PRIMARY KEY (submission_id, indicator_version_id, disaggregation, kind)",
    "block": BLOCK,
    "block_cells": BLOCK,
    "block_merged": BLOCK,
}


def values() -> list[tuple[int, int, str]]:
    return [(unit, n, str((n * 7 + unit) % 997)) for unit in range(UNITS) for n in range(BREAKDOWNS)][:COUNT]


def prepare(cursor: psycopg.Cursor) -> None:
    cursor.execute(REFERENCES)
    for name, columns in TABLES.items():
        cursor.execute(f"CREATE TABLE {name} ({columns})")
        cursor.execute(f"CREATE TRIGGER references_held AFTER INSERT ON {name} REFERENCING NEW TABLE AS new_rows "
                       "FOR EACH STATEMENT EXECUTE FUNCTION references_held()")  # fmt: skip


def takers(cursor: psycopg.Cursor, cells: list[tuple[int, int, str]]) -> dict[str, Callable[[], None]]:
    """Each storage's way to take the values, as the name of its table and a call writing them."""
    stamp = datetime.now(UTC).isoformat()

    def floor() -> None:
        with cursor.copy("COPY floor FROM STDIN") as copy:  # as bench/reporting.py's floor writes it
            for unit, n, value in cells:
                copy.write_row((f"U{unit}", "DNMOI", f"x{n}", "2026M03", value))

    def row_by_row(table: str) -> Callable[[], None]:
        def take() -> None:
            with cursor.copy(f"COPY {table} ({', '.join(CELL_COLUMNS)}) FROM STDIN") as copy:
                copy.write("".join(f"{unit + 1}\t1\tx{n}\tperiod\t{value}\t\tA\tt\t1\t{stamp}\t1\t1\n"
                                   for unit, n, value in cells))  # fmt: skip

        return take

    def blocks(table: str, each: Callable[[str], object]) -> Callable[[], None]:
        def take() -> None:
            grouped: dict[int, dict[str, object]] = {}
            for unit, n, value in cells:
                grouped.setdefault(unit + 1, {})[f"x{n}"] = each(value)
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for report, held in grouped.items():
                    copy.write_row((report, 1, "period", json.dumps(held), 1, stamp, 1, 1))

        return take

    def merged() -> None:
        grouped: dict[int, dict[str, str]] = {}
        for unit, n, value in cells:
            grouped.setdefault(unit + 1, {})[f"x{n}"] = value
        cursor.execute("CREATE TEMPORARY TABLE arriving (submission_id bigint, cells jsonb) ON COMMIT DROP")
        with cursor.copy("COPY arriving FROM STDIN") as copy:
            for report, held in grouped.items():
                copy.write_row((report, json.dumps(held)))
        cursor.execute("UPDATE block_merged SET cells = block_merged.cells || arriving.cells FROM arriving "
                       "WHERE block_merged.submission_id = arriving.submission_id "
                       "AND indicator_version_id = 1 AND kind = 'period'")  # fmt: skip

    return {
        "floor": floor,
        "rows": row_by_row("rows"),
        "composite": row_by_row("composite"),
        "block": blocks("block", lambda value: value),
        "block_cells": blocks("block_cells", lambda value: [value, "", "A", True, 1, stamp, 1, 1]),
        "block_merged": merged,
    }


CELL_COLUMNS = ("submission_id", "indicator_version_id", "disaggregation", "kind", "value", "comment",
                "obs_status", "public", "revision", "changed_at", "changed_by_id", "batch_id")  # fmt: skip
READS = {
    "province month recomputed, rows": "SELECT disaggregation, sum(value) FROM rows WHERE indicator_version_id = 1 "
    "AND kind = 'period' GROUP BY 1",
    "province month recomputed, blocks": "SELECT key, sum(value::numeric) FROM block, jsonb_each_text(cells) "
    "WHERE indicator_version_id = 1 AND kind = 'period' GROUP BY 1",
    "one report's 1,400 cells, rows": "SELECT disaggregation, value FROM rows WHERE submission_id = 7",
    "one report's 1,400 cells, block": "SELECT cells FROM block WHERE submission_id = 7",
    "one cell saved, rows": "UPDATE rows SET value = value + 1, revision = revision + 1 WHERE submission_id = 7 "
    "AND indicator_version_id = 1 AND disaggregation = 'x5' AND kind = 'period'",
    "one cell saved, block": "UPDATE block SET cells = jsonb_set(cells, '{x5}', to_jsonb(((cells->>'x5')::numeric "
    "+ 1)::text)) WHERE submission_id = 7 AND indicator_version_id = 1 AND kind = 'period'",
}


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rounds", type=int, default=5, help="turns of every candidate")
    args = parser.parse_args()
    name = harness.database_name(args.database_url)
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark's database name must contain 'bench'.")
    with psycopg.connect(harness.maintenance_url(args.database_url), autocommit=True) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(args.database_url) as connection, connection.cursor() as cursor:
        prepare(cursor)
        connection.commit()
        backend = connection.info.backend_pid
        runs = takers(cursor, values())
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runs}
        for number in range(args.rounds):
            print(f"round {number + 1}: {load()}")
            for table, take in runs.items():
                cursor.execute(f"TRUNCATE {table}")
                if table == "block_merged":  # the reports already hold a block each
                    cursor.execute(f"INSERT INTO block_merged SELECT g, 1, 'period', '{{\"y\": \"1\"}}', 1, now(), "
                                   f"1, 1 FROM generate_series(1, {UNITS}) g")  # fmt: skip
                connection.commit()
                client, server = resource.getrusage(resource.RUSAGE_SELF), harness.process_cpu(backend)
                started = time.perf_counter()
                take()
                connection.commit()
                elapsed = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_SELF)
                own = after.ru_utime + after.ru_stime - client.ru_utime - client.ru_stime
                figures[table].append((elapsed, own, harness.process_cpu(backend) - server))
                ratio = elapsed / figures["floor"][-1][0]
                print(f"   {table:13s} {elapsed:6.3f} s {ratio:5.2f}x the floor; CPU client {own:.3f} s, "
                      f"backend {harness.process_cpu(backend) - server:.3f} s")  # fmt: skip
        floor = statistics.median(elapsed for elapsed, _own, _server in figures["floor"])
        print(
            f"medians of {args.rounds} rounds (wall, its ratio to the floor's median; CPU client, backend):"
        )
        for table, runs_of in figures.items():
            wall = statistics.median(run[0] for run in runs_of)
            print(f"   {table:13s} {wall:6.3f} s {wall / floor:5.2f}x; CPU client "
                  f"{statistics.median(run[1] for run in runs_of):.3f} s, backend "
                  f"{statistics.median(run[2] for run in runs_of):.3f} s")  # fmt: skip
        cursor.execute("TRUNCATE rows, block")
        cursor.execute(f"INSERT INTO rows ({', '.join(CELL_COLUMNS)}) SELECT u + 1, 1, 'x' || n, 'period', "
                       f"(n * 7 + u) % 997, '', 'A', true, 1, now(), 1, 1 FROM generate_series(0, {UNITS - 1}) u, "
                       f"generate_series(0, {BREAKDOWNS - 1}) n LIMIT {COUNT}")  # fmt: skip
        cursor.execute("INSERT INTO block SELECT submission_id, 1, 'period', jsonb_object_agg(disaggregation, "
                       "value::text), 1, now(), 1, 1 FROM rows GROUP BY submission_id")  # fmt: skip
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM ANALYZE rows")
        cursor.execute("VACUUM ANALYZE block")
        print(f"reads and a save, {args.rounds * 3} times each, by turns: {load()}")
        timings: dict[str, list[float]] = {query: [] for query in READS}
        for _turn in range(args.rounds * 3):
            for label, query in READS.items():
                started = time.perf_counter()
                cursor.execute(query)
                if cursor.description:
                    cursor.fetchall()
                timings[label].append((time.perf_counter() - started) * 1000)
        for label, milliseconds in timings.items():
            print(f"   {label}: median {statistics.median(milliseconds):.2f} ms")


if __name__ == "__main__":
    main()
