"""What a write pays to find its chain's head on the monthly-partitioned log (issue 25, tinhso.core.heads), before
and after the heads' table, by turns, on a copy of a generated database (migrated to core.0009):

    createdb -T tinhso_bench_pages tinhso_bench_NAME_pages
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tinhso_bench_NAME_pages .venv/bin/tinhso migrate
    .venv/bin/python bench/chain_head.py --database-url postgres://postgres@127.0.0.1:5432/tinhso_bench_NAME_pages \
        [--rounds 3] [--more-months 93]

Statements as the platform sends them (psycopg, server-side binding, prepared after 2 runs), each transaction
rolled back, so the database is left as it was: the next event of a dossier's chain (head read, INSERT), an
official's change with its head (core.sql.saved_with_head's statement) and a new chain's first event (a
submission's). "Before" reads the log's (stream, seq) index and runs without the log's trigger
(session_replication_role = replica, which also skips the foreign-key triggers: in before's favour); "after"
reads the head's row with the trigger on. `--more-months N` makes N empty months ahead first (dropped at the
end): the cost before grows with the months kept. Prints the PostgreSQL backend's CPU per transaction (from
/proc, the server is local) and the wall time."""

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import psycopg

OLD_HEAD = "SELECT seq, hash FROM core_event WHERE stream = %s ORDER BY seq DESC LIMIT 1"
NEW_HEAD = "SELECT seq, hash FROM core_streamhead WHERE stream = %s"
INSERT = (
    "INSERT INTO core_event (stream, seq, action, actor_id, payload, occurred_at, prev_hash, hash) "
    "VALUES (%s, %s, 'bench.step', NULL, '{\"a\": 1}', now(), %s, %s) RETURNING id"
)
_LOG = "FROM core_event WHERE stream = %s ORDER BY seq DESC LIMIT 1"
OLD_UPDATE = f"UPDATE dossiers_dossier SET version = version + 1 WHERE id = %s RETURNING (SELECT seq {_LOG}), (SELECT hash {_LOG})"
NEW_UPDATE = (
    "WITH u AS (UPDATE dossiers_dossier SET version = version + 1 WHERE id = %s RETURNING 1) "
    "SELECT h.seq, h.hash FROM u LEFT JOIN core_streamhead h ON h.stream = %s"
)


def one(result: "psycopg.Cursor[Any]") -> Any:
    """The one row a statement returns."""
    found = result.fetchone()
    assert found is not None
    return found


def backend_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--transactions", type=int, default=1500, help="per variant and round")
    parser.add_argument(
        "--more-months", type=int, default=0, help="empty months made ahead, dropped at the end"
    )
    args = parser.parse_args()
    assert "bench" in args.database_url.rsplit("/", 1)[-1], "only a database named *bench* is measured"
    conn = psycopg.connect(args.database_url, autocommit=True, prepare_threshold=2)
    pid = conn.info.backend_pid
    made = make_months(conn, args.more_months)
    try:
        measure(conn, pid, args)
    finally:
        for name in made:
            conn.execute(f"DROP TABLE {name}")


def make_months(conn: psycopg.Connection, count: int) -> list[str]:
    last = conn.execute(
        "SELECT max(upper_bound) FROM (SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid), "
        "'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS upper_bound FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'core_event'::regclass) b"
    )
    start = one(last)[0]
    made = []
    for number in range(count):
        month = "SELECT %s::timestamptz + make_interval(months => %s)"
        low, high = (
            one(conn.execute(month, [start, number]))[0],
            one(conn.execute(month, [start, number + 1]))[0],
        )
        name = f"core_event_bench_{number}"
        conn.execute(
            f"CREATE TABLE {name} PARTITION OF core_event FOR VALUES FROM ('{low.isoformat()}') "
            f"TO ('{high.isoformat()}')"
        )
        conn.execute(f"CREATE UNIQUE INDEX {name}_stream_seq ON {name} (stream, seq)")
        made.append(name)
    return made


def measure(conn: psycopg.Connection, pid: int, args: argparse.Namespace) -> None:
    dossiers = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM dossiers_dossier ORDER BY random() LIMIT %s", [args.transactions]
        )
    ]
    partitions = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'core_event'::regclass")
    print(
        f"{one(partitions)[0]} partitions of core_event, {len(dossiers)} dossiers' chains, load "
        f"{os.getloadavg()[0]:.1f}"
    )

    def next_event(head: str) -> Callable[[psycopg.Cursor, int, int], None]:
        def write(cursor: psycopg.Cursor, dossier: int, _number: int) -> None:
            stream = f"dossiers.dossier:{dossier}"
            seq, digest = one(cursor.execute(head, [stream]))
            cursor.execute(INSERT, [stream, seq + 1, digest, f"{seq + 1:064x}"]).fetchone()

        return write

    def change(statement: str) -> Callable[[psycopg.Cursor, int, int], None]:
        def write(cursor: psycopg.Cursor, dossier: int, _number: int) -> None:
            stream = f"dossiers.dossier:{dossier}"
            values = [dossier, stream] if statement == NEW_UPDATE else [dossier, stream, stream]
            assert one(cursor.execute(statement, values))[0] is not None

        return write

    def first_event(cursor: psycopg.Cursor, _dossier: int, number: int) -> None:
        cursor.execute(INSERT, [f"bench.new:{number}", 1, "", "ab" * 32]).fetchone()

    variants = [
        ("next event: head read + INSERT", next_event(OLD_HEAD), next_event(NEW_HEAD)),
        ("change + head (saved_with_head)", change(OLD_UPDATE), change(NEW_UPDATE)),
        ("a new chain's first event", first_event, first_event),
    ]
    for round_number in range(args.rounds + 1):  # round 0 warms up
        for name, before, after in variants:
            figures = []
            for trigger, write in (("replica", before), ("origin", after)):
                conn.execute(f"SET session_replication_role = {trigger}")
                with conn.cursor() as cursor:
                    cpu, started = backend_cpu(pid), time.perf_counter()
                    for number, dossier in enumerate(dossiers):
                        cursor.execute("BEGIN")
                        write(cursor, dossier, number)
                        cursor.execute("ROLLBACK")
                    wall = (time.perf_counter() - started) / len(dossiers) * 1000
                    figures.append(((backend_cpu(pid) - cpu) / len(dossiers) * 1000, wall))
            conn.execute("SET session_replication_role = origin")
            if round_number:
                (cpu_before, wall_before), (cpu_after, wall_after) = figures
                print(
                    f"round {round_number} {name:34s} PostgreSQL CPU {cpu_before:.3f} -> {cpu_after:.3f} ms, "
                    f"wall {wall_before:.3f} -> {wall_after:.3f} ms (load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
