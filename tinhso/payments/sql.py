"""The payments' hand-written SQL, each statement behind a named function that says which ORM calls it stands
for and why it is written by hand. Kept because the VNPay IPN runs it under the order's row lock, where every
statement saved shortens the lock, and every compilation saved is CPU for the next notice (bench/payments.py;
statements per IPN pinned by payments/tests/test_ipn.py, which runs on both databases)."""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections

from tinhso.core import heads
from tinhso.core.eventlog import stream_of, stream_sql
from tinhso.core.models import Event
from tinhso.core.sql import from_row, select_list
from tinhso.dossiers.models import Dossier
from tinhso.payments.models import PaymentOrder

# What a gateway's notice reads: the whole order, and of its dossier whether it waits for this payment.
_NOTICE = (
    (PaymentOrder, "o", tuple(field.name for field in PaymentOrder._meta.concrete_fields)),
    (Dossier, "d", ("id", "code", "status")),
)
_HEAD = ("stream", "seq", "hash")


def locked_for_notice(reference: str) -> tuple[PaymentOrder, Event | None] | None:
    """`PaymentOrder.objects.select_for_update(no_key=True, of=("self",)).select_related("dossier")
    .filter(reference=reference).first()` with only the dossier's id, code and status (the rest deferred), in a
    statement built once per process: the ORM compiled it anew for every notice, about half of a notice's
    Python. FOR NO KEY UPDATE of the order alone lets its callbacks be inserted meanwhile; SQLite has no row
    locks (its writers queue for the whole database).

    With the order, the head of its event chain (an Event with only its stream, seq and hash, for
    next_event), read in the same statement, or None when it may not be the head: the statement's snapshot is
    taken before the lock is granted, so a writer that committed meanwhile is seen in the order's row but not
    in its events. Every event of an order's chain comes with a version bump (payments.services), so the head
    is the one read exactly when its seq is the order's version."""
    database = connections[DEFAULT_DB_ALIAS]  # as `connection`, looked up once
    with database.cursor() as cursor:
        cursor.execute(_notice_statement(database.vendor), [reference])
        row = cursor.fetchone()
    if row is None:
        return None
    order, dossier = from_row(row[:-2], *_NOTICE)
    assert isinstance(order, PaymentOrder)
    PaymentOrder.dossier.field.set_cached_value(order, dossier)
    seq, digest = row[-2:]
    if seq != order.version:
        return order, None
    # Built as the ORM builds a partial row it read (the rest deferred): cheaper than Event(stream=..., ...).
    return order, Event.from_db(DEFAULT_DB_ALIAS, _HEAD, [stream_of(order), seq, digest])


@cache
def _notice_statement(vendor: str) -> str:
    quote = connection.ops.quote_name
    order = f"{quote(PaymentOrder._meta.db_table)} o"
    # The head's row (tinhso.core.heads), one primary-key probe, not the log's index in every month kept.
    head = f"LEFT JOIN {heads.TABLE} h ON h.stream = {stream_sql(PaymentOrder, 'o.id')}"
    lock = " FOR NO KEY UPDATE OF o" if vendor == "postgresql" else ""
    return (
        f"SELECT {select_list(*_NOTICE)}, h.seq, h.hash FROM {order} {head} "
        f"JOIN {quote(Dossier._meta.db_table)} d ON d.id = o.{quote(PaymentOrder.dossier.field.column)} "
        f"WHERE o.reference = %s{lock}"
    )
