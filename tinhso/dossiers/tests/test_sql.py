"""The numbering upsert counts as a read-then-increment of the counter row would, one number per call per
receiving unit and local day, and takes nothing once the procedure's version is replaced; the locking read of
a paid fee gives what the ORM query it stands for gives."""

from datetime import date

import pytest
from django.db import transaction

from tinhso.catalog import selectors as catalog_selectors
from tinhso.core import selectors as core_selectors
from tinhso.dossiers import sql
from tinhso.dossiers.models import Dossier, DossierCounter
from tinhso.testing.catalog import republish
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.dossiers import AN_XUYEN, RECORD

pytestmark = pytest.mark.django_db


def test_each_call_takes_the_next_number_of_its_unit_and_day(procedures):
    procedure = catalog_selectors.current_procedure(RECORD)
    unit, other = core_selectors.unit_by_code(AN_XUYEN), procedure.authority
    first, second = date(2026, 3, 10), date(2026, 3, 11)
    taken = [sql.next_number(unit=u, day=d, procedure=procedure) for u, d in [(unit, first)] * 3]
    taken += [sql.next_number(unit=other, day=first, procedure=procedure)]
    taken += [sql.next_number(unit=unit, day=second, procedure=procedure)]
    assert [number for number, _id in taken] == [1, 2, 3, 1, 1]
    assert len({dossier_id for _number, dossier_id in taken}) == 5  # a fresh id with each number
    counters = DossierCounter.objects.order_by("unit_id", "day").values_list("unit_id", "day", "last")
    assert sorted(counters) == sorted([(unit.pk, first, 3), (other.pk, first, 1), (unit.pk, second, 1)])


def test_a_replaced_version_takes_no_number(procedures):
    old = catalog_selectors.current_procedure(RECORD)
    republish(old)
    unit = core_selectors.unit_by_code(AN_XUYEN)
    assert sql.next_number(unit=unit, day=date(2026, 3, 10), procedure=old) is None
    assert not DossierCounter.objects.filter(last__gt=0).exists()


def _resumed_state(dossier) -> dict:
    """What a paid fee changes of the dossier and what its event names of the step and unit."""
    state = {name: getattr(dossier, name) for name in ("id", "code", "channel", *sql.RESUMED_FIELDS)}
    step, unit = dossier.current_step, dossier.current_unit
    return state | {"step": step and (step.pk, step.order), "unit": unit and (unit.pk, unit.code)}


def test_the_locking_read_of_a_paid_fee_gives_what_the_orm_gives(cast):
    for dossier in (in_state(cast, "payment"), in_state(cast, "new")):  # at a step, and at none
        orm = Dossier.objects.select_related("current_step", "current_unit").get(code=dossier.code)
        with transaction.atomic():
            assert _resumed_state(sql.locked_for_payment(dossier.code)) == _resumed_state(orm)
    with pytest.raises(Dossier.DoesNotExist):
        sql.locked_for_payment("no-such-code")
