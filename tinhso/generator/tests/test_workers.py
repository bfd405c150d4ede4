"""Two worker processes writing history at once (PostgreSQL): the chains, checkpoints, counters and the
consumer's cursor they share stay exactly what one writer would have left."""

from tinhso.catalog import demo as catalog_demo
from tinhso.core.models import Event
from tinhso.core.selectors import verify_event_log
from tinhso.dossiers.models import Dossier
from tinhso.fieldreports import demo as fieldreport_demo
from tinhso.generator.services import generate
from tinhso.generator.tests.test_generator import NOW, counters, facts
from tinhso.ioc import services as ioc_services
from tinhso.ioc.models import STATE_NAME, ConsumerState
from tinhso.testing.concurrency import POSTGRES_RACES

pytestmark = POSTGRES_RACES


def test_two_workers_write_what_one_writer_would(reference_data) -> None:
    catalog_demo.load_demo(with_accounts=False)
    fieldreport_demo.load_demo(with_accounts=False)

    summary = generate(dossiers=600, reports=60, months=3, seed=11, now=NOW, batch_size=100, workers=2)

    assert summary.dossiers == Dossier.objects.count() == 600
    assert summary.batches >= 4  # both workers wrote several transactions each
    assert verify_event_log() == []
    state = ConsumerState.objects.get(name=STATE_NAME)
    assert state.last_event_id == Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    generated = counters(), facts()
    ioc_services.rebuild_rollups(now=NOW)
    assert (counters(), facts()) == generated
