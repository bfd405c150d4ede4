"""The catalog's hand-written SQL: a condition other apps fold into their own statements."""

from django.db import connection

from tinhso.catalog.models import Procedure


def still_current_sql() -> str:
    """A condition true while the procedure version whose id is its one parameter is current: folded into a
    write, it spares the write a query of its own."""
    table = connection.ops.quote_name(Procedure._meta.db_table)
    return f"EXISTS (SELECT 1 FROM {table} WHERE id = %s AND is_current)"
