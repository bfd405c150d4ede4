"""The event log partitioned by month of `occurred_at` on PostgreSQL (issue 25); SQLite keeps one table.

PostgreSQL requires every unique key of a partitioned table to include the partition column, so:
- the primary key is (id, occurred_at); Django still sees `id` as the key, which the identity sequence keeps
  unique (nothing writes an id twice);
- (stream, seq) is unique within each month's partition (an index made with the partition); the hash chain,
  which `verify-log` checks, names a second event with the same number in another month;
- no foreign key can point at the events, so those that did are kept by Django only (`db_constraint=False`:
  the log is append-only, an event is never deleted).
Months are calendar months in UTC, as in tinhso.core.logmonths. A default partition takes any event dated
outside the months made; making that month later moves its events into the new partition."""

from datetime import date

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from tinhso.core import heads
from tinhso.core.logmonths import month_start, months_between, next_month

TABLE = "core_event"
DEFAULT = f"{TABLE}_default"
# Indexes of the parent, made on every partition: their names as Django made them on the plain table.
INDEXES = (
    ("core_event_occurred_at_b47f935f", "(occurred_at)"),
    ("core_event_action_879797_idx", "(action, occurred_at)"),
    ("core_event_actor_id_594b280e", "(actor_id)"),
)
ACTOR_KEY = (
    "ALTER TABLE core_event ADD CONSTRAINT core_event_actor_id_594b280e_fk_core_user_id "
    "FOREIGN KEY (actor_id) REFERENCES core_user (id) DEFERRABLE INITIALLY DEFERRED"
)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def is_partitioned(database: BaseDatabaseWrapper = connection) -> bool:
    if database.vendor != "postgresql":
        return False
    with database.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def make_months(months: list[date], database: BaseDatabaseWrapper = connection) -> list[str]:
    """Makes the partitions of these months that do not exist yet; returns their names."""
    made = []
    with database.cursor() as cursor:
        for month in months:
            name = partition_name(month)
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                continue
            bounds = [month_start(month), month_start(next_month(month))]
            # DDL takes no parameters: the bounds are written in, ISO 8601 instants this module made.
            values = "FOR VALUES FROM ('{}') TO ('{}')".format(*(bound.isoformat() for bound in bounds))
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE occurred_at >= %s AND occurred_at < %s)",
                bounds,
            )
            if cursor.fetchone()[0]:
                # Events already in the default partition move into the month's own, in one transaction.
                cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {DEFAULT} WHERE occurred_at >= %s AND occurred_at < %s "
                    f"RETURNING *) INSERT INTO {name} SELECT * FROM moved",
                    bounds,
                )
                cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} {values}")
            else:
                cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} {values}")
            cursor.execute(f"CREATE UNIQUE INDEX {name}_stream_seq ON {name} (stream, seq)")
            made.append(name)
    return made


def months_to_make(*, since: date | None, today: date, ahead: int) -> list[date]:
    """From `since`'s month (or this month) to `ahead` months after this one."""
    this = today.replace(day=1)
    last = this
    for _ in range(ahead):
        last = next_month(last)
    return months_between(min(since.replace(day=1), this) if since else this, last)


def partition(database: BaseDatabaseWrapper, *, today: date, ahead: int) -> None:
    """Converts the plain event table into the partitioned one: every event copied with its id, in id
    order, into the partition of its month (made for every month from the oldest event's)."""
    with database.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a table with checks still pending cannot be dropped
        cursor.execute(f"SELECT min(occurred_at) FROM {TABLE}")
        oldest = cursor.fetchone()[0]
        cursor.execute(
            f"CREATE TABLE {TABLE}_partitioned (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING IDENTITY) PARTITION BY RANGE (occurred_at)"
        )
        cursor.execute(f"ALTER TABLE {TABLE}_partitioned ADD PRIMARY KEY (id, occurred_at)")
        cursor.execute(f"CREATE TABLE {TABLE}_partitioned_default PARTITION OF {TABLE}_partitioned DEFAULT")
        _move_rows(cursor, source=TABLE, target=f"{TABLE}_partitioned")
        cursor.execute(f"DROP TABLE {TABLE}")
        cursor.execute(f"ALTER TABLE {TABLE}_partitioned RENAME TO {TABLE}")
        cursor.execute(f"ALTER TABLE {TABLE}_partitioned_default RENAME TO {DEFAULT}")
        cursor.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {TABLE}_partitioned_pkey TO {TABLE}_pkey")
        _name_sequence(cursor)
        for name, columns in INDEXES:
            cursor.execute(f"CREATE INDEX {name} ON {TABLE} {columns}")
        cursor.execute(ACTOR_KEY)
        cursor.execute(f"CREATE UNIQUE INDEX {DEFAULT}_stream_seq ON {DEFAULT} (stream, seq)")
    make_months(months_to_make(since=oldest.date() if oldest else None, today=today, ahead=ahead), database)
    _keep_heads(database)


def unpartition(database: BaseDatabaseWrapper) -> None:
    """The reverse: one plain table again, with the constraints Django made."""
    with database.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"CREATE TABLE {TABLE}_plain (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING IDENTITY)"
        )
        _move_rows(cursor, source=TABLE, target=f"{TABLE}_plain")
        cursor.execute(f"DROP TABLE {TABLE} CASCADE")
        cursor.execute(f"ALTER TABLE {TABLE}_plain RENAME TO {TABLE}")
        _name_sequence(cursor)
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT core_event_pkey PRIMARY KEY (id)")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT event_stream_seq UNIQUE (stream, seq)")
        for name, columns in INDEXES:
            cursor.execute(f"CREATE INDEX {name} ON {TABLE} {columns}")
        cursor.execute(ACTOR_KEY)
    _keep_heads(database)


def _keep_heads(database: BaseDatabaseWrapper) -> None:
    """The trigger keeping the chains' heads went with the old table: the new one gets it (the rows are the same
    events, so the heads stay right)."""
    if heads.kept(database):
        heads.install(database)


def _move_rows(cursor: CursorWrapper, *, source: str, target: str) -> None:
    """Every row with its own id, in id order; the identity sequence continues after the largest."""
    cursor.execute(f"INSERT INTO {target} OVERRIDING SYSTEM VALUE SELECT * FROM {source} ORDER BY id")
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) FROM {target}",
        [target],
    )


def _name_sequence(cursor: CursorWrapper) -> None:
    """The new table's identity sequence takes the usual name once the old table (and its own) is gone."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
    sequence = cursor.fetchone()[0]
    if sequence.split(".")[-1].strip('"') != f"{TABLE}_id_seq":
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
