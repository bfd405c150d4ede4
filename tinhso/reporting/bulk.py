"""Inserting many new rows at once. On PostgreSQL COPY carries them (an import of 10,000 values spent most of its
time building bulk_create's INSERT statements); elsewhere, and for a handful of rows, bulk_create does."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

COPY_FROM = 200  # rows: below this, bulk_create's one statement costs less than a COPY round trip


def insert(objects: Sequence[Model]) -> None:
    """Saves new objects of one model, giving each its primary key."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql" or len(objects) < COPY_FROM:
        model._default_manager.bulk_create(objects, batch_size=1000)
        return
    table, pk = model._meta.db_table, model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        # Keys drawn from the table's own sequence first, so the rows can be COPYed with them.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objects)],
        )
        for item, (key,) in zip(objects, cursor.fetchall(), strict=True):
            setattr(item, pk.attname, key)
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        quoted = connection.ops.quote_name(table)
        # psycopg writes ints, strings, Decimals and aware datetimes itself; only JSON needs Django's preparation.
        json = [index for index, field in enumerate(fields) if field.get_internal_type() == "JSONField"]
        with cursor.cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN") as copy:
            for item in objects:
                row = [getattr(item, field.attname) for field in fields]
                for index in json:
                    row[index] = fields[index].get_db_prep_save(row[index], connection)
                copy.write_row(row)
    for item in objects:
        item._state.adding, item._state.db = False, connection.alias
