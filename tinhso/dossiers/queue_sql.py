"""The official's queue read on PostgreSQL by hand-written statements: the ORM's one statement read every
waiting dossier whole (with its procedure and step) to count them, sort them and keep a page; these read the
queue from the indexes of open dossiers only (`dossier_new_by_due`, `dossier_open_at_step`) and fetch the
rows of the one page. tinhso/dossiers/tests/test_lists.py proves they read what the ORM's queue reads."""

from typing import Any

from tinhso.core import caching, permissions
from tinhso.core.models import Domain, Role
from tinhso.dossiers.models import Status

# Per role, the ids of the units (with their subtrees) over which the actor holds it.
PerRole = tuple[tuple[str, tuple[int, ...]], ...]

# Who answers when another agency is consulted (as selectors.CONSULTED_ROLES).
_CONSULTED_ROLES = permissions.roles_for(Domain.DOSSIERS, "answer_consultation")
_AT_STEP = f"{Status.ACCEPTED:d}, {Status.PROCESSING:d}, {Status.FINISHED:d}"


def _waiting(per_role: PerRole) -> tuple[str, list[Any]]:
    """A SELECT of (id, due, procedure_id) of every dossier waiting for the actor, as three disjoint kinds: new
    at a desk (due at the acknowledgement), at a step of a role held over its unit (due at the step's end), and
    consulted by a unit without being at such a step (due at the consultation's end). A dossier is consulted
    only while in processing, so a new one's due time is always its acknowledgement's."""
    parts: list[str] = []
    params: list[Any] = []
    for role, units in per_role:
        if role == Role.RECEPTIONIST:
            parts.append(
                "SELECT d.id, d.acknowledge_due_at AS due, d.procedure_id FROM dossiers_dossier d "
                f"WHERE d.status = {Status.NEW:d} AND d.receiving_unit_id = ANY(%s)"
            )
            params.append(list(units))
    for role, units in per_role:
        parts.append(
            "SELECT d.id, d.step_due_at AS due, d.procedure_id FROM dossiers_dossier d "
            f"WHERE d.status IN ({_AT_STEP}) AND d.current_unit_id = ANY(%s) "
            "AND d.current_step_id IN (SELECT s.id FROM catalog_processstep s WHERE s.role = %s)"
        )
        params += [list(units), role]
    consulted = sorted({unit for role, units in per_role if role in _CONSULTED_ROLES for unit in units})
    if consulted:
        holds = " OR ".join("(s.role = %s AND d.current_unit_id = ANY(%s))" for _ in per_role)
        parts.append(
            "SELECT d.id, d.consult_due_at AS due, d.procedure_id FROM dossiers_dossier d "
            "LEFT JOIN catalog_processstep s ON s.id = d.current_step_id "
            f"WHERE d.status = {Status.PROCESSING:d} AND d.consulted_unit_id = ANY(%s) "
            f"AND NOT coalesce({holds}, false)"
        )
        params.append(consulted)
        for role, units in per_role:
            params += [role, list(units)]
    return " UNION ALL ".join(parts), params


@caching.memo("dossiers.queue_first_page", maxsize=1024)
def first_page(*, per_role: PerRole, limit: int) -> tuple[str, tuple[Any, ...]]:
    """The first `limit` waiting dossiers soonest due first (a dossier without a due time last, the id breaking
    ties), each as (id, code, status, procedure code and name, step name and its English, due time, the queue's
    size): what the page shows, read for those rows only. After them, with every other column NULL, the code and
    name of each procedure of the whole queue, once (the filter's choices): read here from the same queue, since
    as a statement of its own PostgreSQL planned it anew at every request (a custom plan for its arrays) and
    read the queue's indexes again. Without a role it reads nothing (no rows)."""
    waiting, params = _waiting(per_role)
    if not waiting:
        return "SELECT 1 WHERE false", ()
    statement = (
        f"WITH queue AS MATERIALIZED ({waiting}), "
        "page AS (SELECT id, due FROM queue ORDER BY due, id LIMIT %s) "
        "SELECT * FROM ("
        "SELECT d.id, d.code, d.status, p.code, p.name, s.name, s.name_en, page.due, "
        "(SELECT count(*) FROM queue) "
        "FROM page JOIN dossiers_dossier d ON d.id = page.id "
        "JOIN catalog_procedure p ON p.id = d.procedure_id "
        "LEFT JOIN catalog_processstep s ON s.id = d.current_step_id "
        "UNION ALL SELECT NULL, NULL, NULL, p.code, p.name, NULL, NULL, NULL, NULL FROM catalog_procedure p "
        "WHERE p.id IN (SELECT procedure_id FROM queue)"
        ") AS listed (id, code, status, procedure_code, procedure_name, step, step_en, due, total) "
        "ORDER BY id IS NULL, due, id"
    )
    return statement, (*params, limit)


@caching.memo("dossiers.queue_procedures", maxsize=1024)
def procedures(*, per_role: PerRole) -> tuple[str, tuple[Any, ...]]:
    """(code, name) of the procedures of the waiting dossiers, each once."""
    waiting, params = _waiting(per_role)
    if not waiting:
        return "SELECT '', '' WHERE false", ()
    statement = (
        "SELECT p.code, p.name FROM catalog_procedure p "
        f"WHERE p.id IN (SELECT procedure_id FROM ({waiting}) AS queue)"
    )
    return statement, tuple(params)
