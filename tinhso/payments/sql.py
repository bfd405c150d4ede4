"""The payments' hand-written SQL, each statement behind a named function that says which ORM calls it stands
for and why it is written by hand. Kept because the VNPay IPN runs it under the order's row lock, where every
statement saved shortens the lock (bench/payments.py; statements per IPN pinned by payments/tests/test_ipn.py,
which runs on both databases: SQLite takes the ORM path, PostgreSQL this statement)."""

from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field

from tinhso.core.eventlog import GENESIS_HASH, stream_of
from tinhso.core.models import Event
from tinhso.payments.models import PaymentOrder


def saved_with_head(order: PaymentOrder, *, changing: list[str]) -> Event:
    """`order.save(update_fields=changing)` and the head of the order's chain (unsaved Event with its seq and
    hash): on PostgreSQL one statement, UPDATE … RETURNING the head, built once per process. Its snapshot is
    taken after the caller's row lock was granted, so it sees every event of the writers before."""
    stream = stream_of(order)
    if connection.vendor != "postgresql":
        order.save(update_fields=changing)
        found = Event.objects.filter(stream=stream).order_by("-seq").values_list("seq", "hash").first()
    else:
        statement, fields = _update_statement(tuple(changing))
        values = [field.get_db_prep_save(getattr(order, field.attname), connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(statement, [*values, order.pk, stream, stream])
            found = cursor.fetchone()
    seq, digest = found if found and found[0] is not None else (0, GENESIS_HASH)
    return Event(stream=stream, seq=seq, hash=digest)


@cache
def _update_statement(changing: tuple[str, ...]) -> "tuple[str, list[Field[Any, Any]]]":
    quote = connection.ops.quote_name
    fields = [field for field in PaymentOrder._meta.concrete_fields if field.name in changing]
    columns = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    head = f"FROM {quote(Event._meta.db_table)} WHERE stream = %s ORDER BY seq DESC LIMIT 1"
    statement = (
        f"UPDATE {quote(PaymentOrder._meta.db_table)} SET {columns} WHERE id = %s "
        f"RETURNING (SELECT seq {head}), (SELECT hash {head})"
    )
    return statement, fields
