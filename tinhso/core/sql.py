"""The data core's hand-written SQL, each statement behind a named function that says which ORM call it
stands for and why it is written by hand; tinhso/core/tests/test_sql.py pins that both give the same.

Kept where the ORM costs more than the database's work on every request: measured with bench/submit.py
(Python calls per submission, which do not vary with the machine's load) and bench/instructions.py --submit
(docs/benchmarks.md, "Hand-written SQL")."""

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, Model, signals

from tinhso.core import heads
from tinhso.core.eventlog import GENESIS_HASH, stream_of
from tinhso.core.models import AdminUnit, ApiToken, Domain, Event, RoleAssignment, User


@cache
def _insert_statement(
    shapes: tuple[tuple[type[Model], bool], ...],
    vendor: str,
    update: "tuple[type[Model], tuple[str, ...]] | None",
) -> "tuple[list[str], list[list[tuple[Field[Any, Any], bool]]]]":
    """The INSERTs of rows of these (model, id chosen) shapes, returning their ids, and the fields each row
    writes, each with whether it stores None as NULL unconverted: on PostgreSQL one statement (data-modifying
    WITH), which commits or fails as a whole without BEGIN and COMMIT round trips. With `update` (a model and
    the fields changed), that statement first updates one row of it by its id (its values before the rows',
    its id last); elsewhere the caller saves it."""
    quote = connection.ops.quote_name
    inserts, fields_per_row = [], []
    for model, chosen_pk in shapes:
        fields = [field for field in model._meta.concrete_fields if not field.primary_key or chosen_pk]
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        inserts.append(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {pk}")
        fields_per_row.append([(field, field.get_db_prep_save(None, connection) is None) for field in fields])
    if vendor != "postgresql" or (len(inserts) == 1 and update is None):
        return inserts, fields_per_row
    parts = ", ".join(f"r{number} AS ({insert})" for number, insert in enumerate(inserts))
    if update is not None:
        parts = f"u AS ({_update_sql(*update)}), {parts}"
    ids = ", ".join(f"r{number}.{quote(model._meta.pk.column)}" for number, (model, _) in enumerate(shapes))
    tables = ", ".join(f"r{number}" for number in range(len(shapes)))
    return [f"WITH {parts} SELECT {ids} FROM {tables}"], fields_per_row


def insert_new(*objs: Model, saving: "tuple[Model, Sequence[str]] | None" = None) -> None:
    """Saves new rows as `obj.save(force_insert=True)` inside `transaction.atomic()` would, signals included,
    with their INSERT built once per process: the ORM compiles it anew for every row, and several rows need
    BEGIN and COMMIT round trips; here they are written all or none in one statement on PostgreSQL. A
    submission's three rows cost about 1,550 fewer Python calls this way. `saving` (a row and the fields
    changed): `row.save(update_fields=fields)` first, all or none with them; on PostgreSQL in the same
    statement, a round trip fewer under the caller's row lock."""
    if saving is None:
        _write(objs, None, ())
    else:
        _write(objs, saving[0], tuple(saving[1]))


def _write(objs: Sequence[Model], updated: Model | None, changing: tuple[str, ...]) -> None:
    using = connection.alias
    database = connections[using]  # once: each use of the `connection` proxy looks the thread's one up again
    if updated is not None and database.vendor != "postgresql":
        with transaction.atomic(using, savepoint=False):
            updated.save(update_fields=changing)
            _write(objs, None, ())
        return
    shapes = tuple((type(obj), obj.pk is not None) for obj in objs)
    update = None if updated is None else (type(updated), changing)
    statements, fields_per_row = _insert_statement(shapes, database.vendor, update)
    values = []
    if updated is not None:
        signals.pre_save.send(
            sender=type(updated), instance=updated, raw=False, using=using, update_fields=changing
        )
        values.append(_update_values(updated, changing, database))
    for obj, fields in zip(objs, fields_per_row, strict=True):
        signals.pre_save.send(sender=type(obj), instance=obj, raw=False, using=using, update_fields=None)
        row = []
        for field, none_is_null in fields:
            value = field.pre_save(obj, True)
            # Most columns of a new row are still empty, and converting None through the field gives NULL.
            row.append(None if value is None and none_is_null else field.get_db_prep_save(value, database))
        values.append(row)
    with (
        transaction.atomic(using, savepoint=False) if len(statements) > 1 else nullcontext(),
        database.cursor() as cursor,
    ):
        if len(statements) == 1:
            cursor.execute(statements[0], [value for row in values for value in row])
            ids = cursor.fetchone()
        else:
            ids = []
            for statement, row in zip(statements, values, strict=True):
                cursor.execute(statement, row)
                ids.append(cursor.fetchone()[0])
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    if updated is not None:
        signals.post_save.send(
            sender=type(updated),
            instance=updated,
            created=False,
            update_fields=changing,
            raw=False,
            using=using,
        )
    for obj in objs:
        signals.post_save.send(
            sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=using
        )


def saved_with_head(obj: Model, *, changing: Sequence[str]) -> Event:
    """`obj.save(update_fields=changing)` and the head of obj's event chain (an unsaved Event with its seq and
    hash, for next_event): on PostgreSQL one statement, UPDATE … then the head's row, built once per process.
    The caller holds obj's row lock, which every writer of its chain takes, taken by an earlier statement: this
    one's snapshot, taken after the lock was granted, sees every event of the writers before."""
    stream = stream_of(obj)
    database = connections[DEFAULT_DB_ALIAS]  # as `connection`, looked up once, not by each field's value
    if database.vendor != "postgresql":
        obj.save(update_fields=changing)
        seq, digest = chain_head(stream)
    else:
        values = _update_values(obj, tuple(changing), database)
        with database.cursor() as cursor:
            cursor.execute(_update_statement(type(obj), tuple(changing)), [*values, stream])
            found = cursor.fetchone()
        seq, digest = found if found and found[0] is not None else (0, GENESIS_HASH)
    return Event(stream=stream, seq=seq, hash=digest)


def chain_head(stream: str) -> tuple[int, str]:
    """(seq, hash) of the last event of `stream`, (0, GENESIS_HASH) before its first: its row in the heads
    (tinhso.core.heads), one primary-key probe, where the log's own index is probed in every month kept. Read
    under the lock of the aggregate whose chain it is, or by a writer ready for a Conflict."""
    database = connections[DEFAULT_DB_ALIAS]
    with database.cursor() as cursor:
        cursor.execute(_HEAD, [stream])
        found = cursor.fetchone()
    return (found[0], found[1]) if found else (0, GENESIS_HASH)


_HEAD = f"SELECT seq, hash FROM {heads.TABLE} WHERE stream = %s"


@cache
def _update_statement(model: type[Model], changing: tuple[str, ...]) -> str:
    # The head's row joined to the update's: none when no row was updated, as RETURNING gives.
    return (
        f"WITH u AS ({_update_sql(model, changing)} RETURNING 1) "
        f"SELECT h.seq, h.hash FROM u LEFT JOIN {heads.TABLE} h ON h.stream = %s"
    )


@cache
def _update_sql(model: type[Model], changing: tuple[str, ...]) -> str:
    """UPDATE of `changing` of one row: the fields' values, in the model's order, then its id."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(str(field.column))} = %s" for field in _changed_fields(model, changing))
    return f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s"


@cache
def _changed_fields(model: type[Model], changing: tuple[str, ...]) -> "list[Field[Any, Any]]":
    return [field for field in model._meta.concrete_fields if field.name in changing]


def _update_values(obj: Model, changing: tuple[str, ...], database: Any) -> list[Any]:
    fields = _changed_fields(type(obj), changing)
    return [*(field.get_db_prep_save(getattr(obj, field.attname), database) for field in fields), obj.pk]


def reserve_id(model: type[Model]) -> int:
    """An id for a row inserted later, so that what refers to it (its event stream) is written beforehand."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT {id_sequence_sql(model)}")
            return int(cursor.fetchone()[0])
        # SQLite: an AUTOINCREMENT table keeps its highest id in sqlite_sequence, which may be moved on directly.
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT %s, 0 "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
            [table, table],
        )
        cursor.execute(
            f"UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max({quote(model._meta.pk.column)}), 0) "
            f"FROM {quote(table)})) + 1 WHERE name = %s RETURNING seq",
            [table],
        )
        return int(cursor.fetchone()[0])


def id_sequence_sql(model: type[Model]) -> str:
    """PostgreSQL: the expression taking the next id of `model`'s table (to fold into another statement)."""
    table = connection.ops.quote_name(model._meta.db_table)
    return f"nextval(pg_get_serial_sequence('{table}', '{model._meta.pk.column}'))"


def token_holder(digest: str, *, now: datetime) -> tuple[User, int, str] | None:
    """The active user holding the unexpired token whose SHA-256 is `digest`, with the token's id and the
    session auth hash it was issued under: what `ApiToken.objects.select_related("user").filter(token_hash=
    digest, expires_at__gt=now, user__is_active=True).first()` reads, in one statement written once. Every API
    call asks it; through the ORM it cost about 2,200 more Python calls than the rest of a submission's reads."""
    statement, columns, converters = _token_holder_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement, [digest, connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    values, (token_id, auth_hash) = list(row[:-2]), row[-2:]
    for index, column, convert in converters:
        values[index] = convert(values[index], column, connection)
    return User.from_db(connection.alias, columns, values), token_id, auth_hash


@cache
def _token_holder_statement(vendor: str) -> tuple[str, list[str], list[tuple[int, Any, Any]]]:
    """The statement, the fields it reads and the converters the ORM would apply to them on this database."""
    columns, names, converters = _user_columns()
    statement = (
        f"SELECT {columns}, t.id, t.auth_hash FROM {User._meta.db_table} u "
        f"JOIN {ApiToken._meta.db_table} t ON t.user_id = u.id "
        "WHERE t.token_hash = %s AND t.expires_at > %s AND u.is_active LIMIT 1"
    )
    return statement, names, converters


def _user_columns() -> tuple[str, list[str], list[tuple[int, Any, Any]]]:
    """The user's columns (table alias u), their field names and the converters the ORM applies to them."""
    shape = (User, "u", tuple(field.name for field in User._meta.concrete_fields))
    fields = _read_plan((shape,))[0][2]
    return select_list(shape), [field.attname for field in fields], _converters((shape,), connection.vendor)


@dataclass(frozen=True)
class SignedIn:
    """What a signed-in page asks of its account, read together: the account, the persistent ids of its confirmed
    second-factor devices (as django-otp names them) and its unread notifications."""

    user: User
    confirmed_devices: frozenset[str]
    unread_notifications: int


def signed_in_user(user_id: Any) -> SignedIn | None:
    """The account `User.objects.get(pk=user_id)` reads for a session (ModelBackend.get_user), with the confirmed
    devices django-otp's middleware would look up one by one and the unread count the menu's badge asks: three
    ORM statements every signed-in page paid, here one written once. Always read on the primary, so a password
    change, a deactivation or a removed device counts at the next request even where pages read a replica."""
    database = connections[DEFAULT_DB_ALIAS]
    statement, columns, converters, labels = _signed_in_statement(database.vendor)
    with database.cursor() as cursor:
        cursor.execute(statement, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    count = len(columns)
    values = list(row[:count])
    for index, column, convert in converters:
        values[index] = convert(values[index], column, database)
    devices = frozenset(
        f"{label}/{device_id}"
        for label, ids in zip(labels, row[count + 1 :], strict=True)
        for device_id in str(ids or "").split(",")
        if device_id
    )
    user = User.from_db(DEFAULT_DB_ALIAS, columns, values)
    return SignedIn(user=user, confirmed_devices=devices, unread_notifications=int(row[count]))


@cache
def _signed_in_statement(vendor: str) -> tuple[str, list[str], list[tuple[int, Any, Any]], list[str]]:
    """The statement, the user's fields it reads, their converters on this database and the device models'
    labels, in the order of their columns."""
    from django_otp import device_classes

    notification = apps.get_model("notifications", "Notification")
    quote = connection.ops.quote_name
    columns, names, converters = _user_columns()
    devices = sorted(device_classes(), key=lambda model: model._meta.label_lower)
    ids = "string_agg(d.id::text, ',')" if vendor == "postgresql" else "group_concat(d.id, ',')"
    per_device = "".join(
        f", (SELECT {ids} FROM {quote(model._meta.db_table)} d WHERE d.user_id = u.id AND d.confirmed)"
        for model in devices
    )
    statement = (
        f"SELECT {columns}, (SELECT count(*) FROM {quote(notification._meta.db_table)} n "
        f"WHERE n.recipient_id = u.id AND n.read_at IS NULL){per_device} "
        f"FROM {quote(User._meta.db_table)} u WHERE u.id = %s"
    )
    return statement, names, converters, [model.model_label() for model in devices]


def signed_in_statement(vendor: str) -> str:
    """signed_in_user's statement (its one parameter the user's id), for a statement that reads the account with
    more beside it."""
    return _signed_in_statement(vendor)[0]


def session_row(session_key: str, *, now: datetime) -> tuple[str, datetime] | None:
    """The data and expiry of the unexpired session `session_key`: what Django's database session store reads,
    `Session.objects.get(session_key=..., expire_date__gt=now)`, as a statement written once (the ORM built it
    anew for every signed-in request, about 700 Python calls). Always on the primary: a session ended there
    is refused at once even on the pages that read a replica."""
    from django.contrib.sessions.models import Session

    database = connections[DEFAULT_DB_ALIAS]
    table = database.ops.quote_name(Session._meta.db_table)
    with database.cursor() as cursor:
        cursor.execute(
            f"SELECT session_data, expire_date FROM {table} WHERE session_key = %s AND expire_date > %s",
            [session_key, database.ops.adapt_datetimefield_value(now)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    expire_date = row[1]
    for convert in database.ops.get_db_converters(Session._meta.get_field("expire_date").get_col(table)):
        expire_date = convert(expire_date, None, database)
    return row[0], expire_date


def roles_in_force(user_id: Any, *, domain: str | None, today: date) -> list[RoleAssignment]:
    """`list(core.selectors.active_roles(user, domain=domain))`, each role with its unit, in a statement built
    once per process: the ORM compiled it anew on every page that checks a leader's or an official's rights
    (about 1,400 Python calls on the operations centre). Always on the primary, as the session and the account
    are: a role revoked there counts at the next request even on the pages that read a replica."""
    database = connections[DEFAULT_DB_ALIAS]
    domains = [] if domain is None else [domain, Domain.ALL]
    with database.cursor() as cursor:
        cursor.execute(
            _roles_statement(database.vendor, bool(domains)),
            [user_id, database.ops.adapt_datefield_value(today), *domains],
        )
        rows = cursor.fetchall()
    roles = []
    for row in rows:
        role, unit = from_row(row, *_ROLE_AND_UNIT)
        assert isinstance(role, RoleAssignment)
        RoleAssignment.unit.field.set_cached_value(role, unit)
        roles.append(role)
    return roles


_ROLE_AND_UNIT: "tuple[Shape, ...]" = (
    (RoleAssignment, "r", tuple(field.name for field in RoleAssignment._meta.concrete_fields)),
    (AdminUnit, "a", tuple(field.name for field in AdminUnit._meta.concrete_fields)),
)


@cache
def _roles_statement(vendor: str, in_domain: bool) -> str:
    quote = connection.ops.quote_name
    domain = " AND r.domain IN (%s, %s)" if in_domain else ""
    return (
        f"SELECT {select_list(*_ROLE_AND_UNIT)} FROM {quote(RoleAssignment._meta.db_table)} r "
        f"JOIN {quote(AdminUnit._meta.db_table)} a ON a.id = r.unit_id "
        f"WHERE r.user_id = %s AND (r.valid_to IS NULL OR r.valid_to >= %s){domain} ORDER BY r.id"
    )


# ---- rows read by a hand-written SELECT, as the ORM would give them ----------------------------------------
# A shape is (model, the table's alias in the statement, the names of the fields read): the rest are deferred,
# as with QuerySet.only(), and read on first use.
Shape = tuple[type[Model], str, tuple[str, ...]]


def select_list(*shapes: Shape) -> str:
    """The columns of `shapes`, in the order from_row reads them."""
    quote = connection.ops.quote_name
    return ", ".join(
        f"{alias}.{quote(field.column)}" for _, alias, fields in _read_plan(shapes) for field in fields
    )


def from_row(row: Sequence[Any], *shapes: Shape) -> list[Model]:
    """One instance per shape from a row of select_list's columns, with the values converted as the ORM
    converts them on this database."""
    plan = _read_plan(shapes)
    database = connections[DEFAULT_DB_ALIAS]  # as `connection`, looked up once
    values = list(row)
    for index, column, convert in _converters(shapes, database.vendor):
        values[index] = convert(values[index], column, database)
    instances, start = [], 0
    for model, _alias, fields in plan:
        end = start + len(fields)
        instances.append(
            model.from_db(DEFAULT_DB_ALIAS, [field.attname for field in fields], values[start:end])
        )
        start = end
    return instances


@cache
def _read_plan(shapes: tuple[Shape, ...]) -> "list[tuple[type[Model], str, list[Field[Any, Any]]]]":
    # from_db takes a partial row in the model's field order.
    return [
        (model, alias, [field for field in model._meta.concrete_fields if field.name in names])
        for model, alias, names in shapes
    ]


@cache
def _converters(shapes: tuple[Shape, ...], vendor: str) -> list[tuple[int, Any, Any]]:
    converters, index = [], 0
    for model, _alias, fields in _read_plan(shapes):
        for field in fields:
            column = field.get_col(model._meta.db_table)
            for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
                converters.append((index, column, convert))
            index += 1
    return converters


# ---- bulk writes for history loaders and rollups: COPY on PostgreSQL, executemany on SQLite ---------------
# copy_rows stands for Model.objects.bulk_create(rows) and upsert_rows for bulk_create(rows,
# update_conflicts=True, ...) with an update expression the ORM cannot say (value = table.value + excluded.value);
# both take plain tuples, so a loader never builds model instances. Pinned by core/tests/test_sql.py.

# Rows: below this an upsert statement per row costs less than a staging table, made and dropped in the
# catalogue each time (an approval's totals are often a handful of rows written while others wait).
STAGING_FROM = 50


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    return value


def _names(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Inserts rows given in `columns` order (JSON values as text) into `table`."""
    if not rows:
        return
    target = f"{connection.ops.quote_name(table)} ({_names(columns)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        rows = [tuple(_sqlite_value(value) for value in row) for row in rows]
        cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)


def upsert_rows(
    table: str, columns: list[str], rows: list[tuple], *, key: list[str], column_types: list[str], update: str
) -> None:
    """Inserts rows or, where `key` exists, applies `update` (SQL using {table} and excluded): on PostgreSQL
    many rows in one statement through a temporary table filled by COPY (`column_types` are PostgreSQL types),
    a few rows (and SQLite's) one statement each."""
    if not rows:
        return
    quoted = connection.ops.quote_name(table)
    assignment = update.format(table=quoted)
    conflict = f"ON CONFLICT ({_names(key)}) DO UPDATE SET {assignment}"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(rows) < STAGING_FROM:
            marks = ", ".join(["%s"] * len(columns))
            if connection.vendor != "postgresql":
                rows = [tuple(_sqlite_value(value) for value in row) for row in rows]
            cursor.executemany(f"INSERT INTO {quoted} ({_names(columns)}) VALUES ({marks}) {conflict}", rows)
            return
        staging = connection.ops.quote_name(f"staging_{table}")
        definition = ", ".join(
            f"{connection.ops.quote_name(c)} {t}" for c, t in zip(columns, column_types, strict=True)
        )
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} ({definition}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {staging} ({_names(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        names = _names(columns)
        cursor.execute(f"INSERT INTO {quoted} ({names}) SELECT {names} FROM {staging} {conflict}")


# No ORM call reads a server's replay state: PostgreSQL's own functions, NULL on a server that is not a standby.
_REPLAY_LAG = """
SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def replay_lag_seconds(alias: str) -> float | None:
    """How far the standby behind `alias` trails its primary, in seconds: 0 when it has replayed all it
    received; None for a server that is not a standby (a primary, SQLite)."""
    if connections[alias].vendor != "postgresql":
        return None
    with connections[alias].cursor() as cursor:
        cursor.execute(_REPLAY_LAG)
        lag = cursor.fetchone()[0]
    return None if lag is None else float(lag)
