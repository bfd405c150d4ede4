"""Each statement of ioc/sql.py is the SQL of the ORM query it stands for: run on the same data, both give the
same rows."""

from django.db import connection

from tinhso.ioc import services, sql
from tinhso.ioc.models import ConsumerState


def test_the_state_and_newest_statement_reads_what_its_query_reads(march):
    newest, _ = services.catch_up()
    kept = ConsumerState.objects.raw(*sql.state_and_newest(connection.vendor))
    read = [(state.pk, state.last_event_id, getattr(state, "newest", None)) for state in kept]
    assert read == list(sql.state_and_newest_query().values_list("pk", "last_event_id", "newest"))
    assert read[0][2] == newest > 0
