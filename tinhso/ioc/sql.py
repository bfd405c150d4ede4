"""The IOC's statements built once per process instead of at every request. Each is the SQL Django writes for
the ORM query beside it (tinhso/ioc/tests/test_sql.py runs both and compares the rows); each is kept because
building and compiling the query cost the web process more than PostgreSQL took to answer it, measured in
instructions by bench/instructions.py (docs/benchmarks.md)."""

from typing import Any

from django.db.models import Q, QuerySet, Subquery

from tinhso.core import caching
from tinhso.core.models import Event
from tinhso.ioc.models import DOSSIER_STREAM, REPORT_STREAM, STATE_NAME, ConsumerState

Statement = tuple[str, tuple[Any, ...]]


def newest_events() -> QuerySet[Event]:
    """The dossier and report events, newest first."""
    ours = Q(stream__startswith=DOSSIER_STREAM) | Q(stream__startswith=REPORT_STREAM)
    return Event.objects.filter(ours).order_by("-pk")


def state_and_newest_query() -> QuerySet[ConsumerState]:
    """Where the rollups stand, with the newest dossier or report event id as `newest`."""
    newest = Subquery(newest_events().values("pk")[:1])
    return ConsumerState.objects.filter(name=STATE_NAME).annotate(newest=newest)


@caching.memo("ioc.sql.state_and_newest", maxsize=4)
def state_and_newest(vendor: str) -> Statement:
    """state_and_newest_query(): every IOC page asks it (catch_up), and building it cost four times running it."""
    return state_and_newest_query().query.sql_with_params()
