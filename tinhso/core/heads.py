"""The head of every event chain, one row per stream (core_streamhead, issue 25).

A writer numbers and chains its event on the stream's last one. On the monthly-partitioned log that lookup has
no partition key, so it probes the (stream, seq) index of every month ever kept; the head row is one
primary-key probe whatever the history. A trigger on the log keeps it, so every writer (the ORM, hand-written
SQL, migrations) does, and it refuses an event that does not follow the head (the next number and the head's
hash) with a unique-key violation: a chain can neither fork nor skip, even across months, where each
partition's unique (stream, seq) cannot see the others (that index stays the last guard). Event stores built
on a database keep the same row (Marten's mt_streams, the `streams` table of most PostgreSQL event stores).
Bulk loaders that skip triggers (session_replication_role = replica) write the heads of their new streams
themselves (tinhso.generator)."""

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "core_streamhead"
TRIGGER = "core_event_follows_head"

_POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq = 1 AND NEW.prev_hash = '' THEN
        INSERT INTO {TABLE} (stream, seq, hash, occurred_at) VALUES (NEW.stream, 1, NEW.hash, NEW.occurred_at)
        ON CONFLICT (stream) DO NOTHING;
    ELSE
        UPDATE {TABLE} SET seq = NEW.seq, hash = NEW.hash, occurred_at = NEW.occurred_at
        WHERE stream = NEW.stream AND seq = NEW.seq - 1 AND hash = NEW.prev_hash;
    END IF;
    IF NOT FOUND THEN
        RAISE unique_violation USING
            MESSAGE = format('event %s of %s does not follow the head of its chain', NEW.seq, NEW.stream);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS {TRIGGER} ON core_event;
CREATE TRIGGER {TRIGGER} BEFORE INSERT ON core_event FOR EACH ROW EXECUTE FUNCTION {TRIGGER}();
"""

# SQLite: RAISE(ABORT) undoes the statement and reads as an IntegrityError, as the unique key's would.
_SQLITE = (
    f"DROP TRIGGER IF EXISTS {TRIGGER}",
    f"""CREATE TRIGGER {TRIGGER} AFTER INSERT ON core_event BEGIN
    SELECT RAISE(ABORT, 'the event does not follow the head of its chain')
    WHERE NEW.seq <> coalesce((SELECT seq FROM {TABLE} WHERE stream = NEW.stream), 0) + 1
       OR NEW.prev_hash <> coalesce((SELECT hash FROM {TABLE} WHERE stream = NEW.stream), '');
    INSERT INTO {TABLE} (stream, seq, hash, occurred_at) VALUES (NEW.stream, NEW.seq, NEW.hash, NEW.occurred_at)
    ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, occurred_at = excluded.occurred_at;
END""",
)

_REBUILD = {
    "postgresql": f"""INSERT INTO {TABLE} (stream, seq, hash, occurred_at)
        SELECT DISTINCT ON (stream) stream, seq, hash, occurred_at FROM core_event ORDER BY stream, seq DESC""",
    "sqlite": f"""INSERT INTO {TABLE} (stream, seq, hash, occurred_at)
        SELECT e.stream, e.seq, e.hash, e.occurred_at FROM core_event e
        WHERE e.seq = (SELECT max(seq) FROM core_event WHERE stream = e.stream)""",
}


def install(database: BaseDatabaseWrapper) -> None:
    """(Re)creates the log's trigger that keeps the heads: after the log's table was made anew."""
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            cursor.execute(_POSTGRESQL)
        else:
            for statement in _SQLITE:
                cursor.execute(statement)


def uninstall(database: BaseDatabaseWrapper) -> None:
    with database.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}" + (" ON core_event" if _pg(database) else ""))
        if _pg(database):
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")


def rebuild(database: BaseDatabaseWrapper) -> None:
    """Every stream's head read from the log itself, writers held off meanwhile (PostgreSQL: readers go on)."""
    with database.cursor() as cursor:
        if _pg(database):
            cursor.execute("LOCK TABLE core_event IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(_REBUILD["postgresql" if _pg(database) else "sqlite"])


def kept(database: BaseDatabaseWrapper) -> bool:
    """Whether the heads table exists (migration core.0009 applied)."""
    return TABLE in database.introspection.table_names()


def _pg(database: BaseDatabaseWrapper) -> bool:
    return database.vendor == "postgresql"
