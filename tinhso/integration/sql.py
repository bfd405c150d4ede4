"""The integration's hand-written SQL, each statement behind a named function that says which ORM call it
stands for and why it is written by hand; tinhso/integration/tests/test_portal.py pins what it gives."""

from functools import cache

from django.db import connection
from django.db.models import Model

from tinhso.catalog.models import Procedure
from tinhso.core.models import AdminUnit, User
from tinhso.core.sql import from_row, select_list
from tinhso.dossiers.models import Dossier

# What the portal's snapshot of a dossier reads (portal._snapshot).
_SNAPSHOT = (
    (
        Dossier,
        "d",
        (
            "id",
            "code",
            "procedure",
            "applicant",
            "receiving_unit",
            "current_unit",
            "channel",
            "submitted_at",
            "accepted_at",
            "promised_at",
            "returned_at",
            "finished_at",
            "step_started_at",
            "step_due_at",
        ),
    ),
    (Procedure, "p", ("id", "code", "name", "sector")),
    (User, "a", ("id", "username", "full_name", "citizen_id")),
    (AdminUnit, "r", ("id", "name")),
    (AdminUnit, "c", ("id", "name")),
)


def dossier_for_snapshot(pk: int) -> Dossier | None:
    """`Dossier.objects.select_related("procedure", "applicant", "receiving_unit", "current_unit")
    .filter(pk=pk).first()` with only the fields the snapshot reads (the rest deferred), in a statement built
    once per process: every status change of a dossier runs it in its transaction (a paid fee in the gateway's
    notice), and the ORM compiled the four joins anew each time."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_statement(connection.vendor), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    dossier, procedure, applicant, receiving_unit, current_unit = from_row(row, *_SNAPSHOT)
    assert isinstance(dossier, Dossier)
    Dossier.procedure.field.set_cached_value(dossier, procedure)
    Dossier.applicant.field.set_cached_value(dossier, applicant)
    Dossier.receiving_unit.field.set_cached_value(dossier, receiving_unit)
    Dossier.current_unit.field.set_cached_value(dossier, current_unit if dossier.current_unit_id else None)
    return dossier


@cache
def _snapshot_statement(vendor: str) -> str:
    quote = connection.ops.quote_name

    def join(alias: str, model: type[Model], column: str, kind: str = "JOIN") -> str:
        return f"{kind} {quote(model._meta.db_table)} {alias} ON {alias}.id = d.{quote(column)}"

    return (
        f"SELECT {select_list(*_SNAPSHOT)} FROM {quote(Dossier._meta.db_table)} d "
        f"{join('p', Procedure, Dossier.procedure.field.column)} "
        f"{join('a', User, Dossier.applicant.field.column)} "
        f"{join('r', AdminUnit, Dossier.receiving_unit.field.column)} "
        f"{join('c', AdminUnit, Dossier.current_unit.field.column, 'LEFT JOIN')} "
        "WHERE d.id = %s"
    )
