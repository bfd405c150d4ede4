"""The integration's hand-written read gives the portal the snapshot the ORM query it stands for gives."""

import pytest

from tinhso.core.eventlog import stream_of
from tinhso.core.models import Event
from tinhso.dossiers.models import Dossier
from tinhso.integration import portal, sql
from tinhso.testing.dossier_flow import in_state

pytestmark = pytest.mark.django_db


def test_the_snapshots_dossier_is_read_as_the_orm_reads_it(cast):
    for dossier in (in_state(cast, "payment"), in_state(cast, "refused")):  # at a step, and at none
        event = Event.objects.filter(stream=stream_of(dossier)).order_by("-seq").first()
        orm = Dossier.objects.select_related("procedure", "applicant", "receiving_unit", "current_unit").get(
            pk=dossier.pk
        )
        read = sql.dossier_for_snapshot(dossier.pk)
        assert read is not None and (read.current_unit is None) == (dossier.current_unit_id is None)
        assert portal._snapshot(read, event) == portal._snapshot(orm, event)
    assert sql.dossier_for_snapshot(0) is None
