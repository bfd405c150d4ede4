"""Two worker processes writing history at once (PostgreSQL): the chains, checkpoints, counters and the
consumer's cursor they share stay exactly what one writer would have left."""

from datetime import datetime

from tinhso.catalog import demo as catalog_demo
from tinhso.core.models import Event
from tinhso.core.selectors import verify_event_log
from tinhso.dossiers.models import Dossier
from tinhso.fieldreports import demo as fieldreport_demo
from tinhso.generator.services import generate
from tinhso.generator.tests.test_generator import NOW, ZONE, counters, facts
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


def test_two_workers_just_after_local_midnight_number_each_desk_day_once(reference_data) -> None:
    """The last day's arrivals planned after `now` move back before it; they stay in their own day, whose
    numbers only its worker gives (moved into the day before, another worker's, they took its numbers again)."""
    catalog_demo.load_demo(with_accounts=False)
    fieldreport_demo.load_demo(with_accounts=False)
    just_after_midnight = datetime(2026, 3, 17, 0, 3, tzinfo=ZONE)  # a Tuesday, after Monday's working day

    generate(dossiers=600, reports=60, months=3, seed=11, now=just_after_midnight, batch_size=100, workers=2)

    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 600
    assert verify_event_log() == []
