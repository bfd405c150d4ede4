"""The IOC tests use the dossier cast (officials of two desks and two communes) and clock of tinhso.testing."""

from datetime import timedelta

import pytest

from tinhso.core.models import Role, User
from tinhso.dossiers.models import Dossier
from tinhso.ioc import services
from tinhso.ioc.tests.helpers import accept, answer, finish, returned_and_rated, submit, supplement
from tinhso.testing.factories import official


@pytest.fixture
def province_leader(db) -> User:
    return official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))


@pytest.fixture
def consume():
    """Brings the rollups up to date, as the job run after each commit does."""
    return lambda: services.consume_events()


@pytest.fixture
def march(cast, clock):
    """Five dossiers of the judicial record procedure (10 working days) at the Department of Justice:
    A finished at once; B waited two days for a supplement and finished after its first promise but before
    the moved one; C asked for supplements twice; D accepted late in March, still open; E open and overdue.
    C, D and E were lodged at the desk; A and B online. A was rated unsatisfied, B very satisfied."""
    clock.set(2026, 3, 2, 8)
    a, b, c, e = (submit(cast), submit(cast), submit(cast, online=False), submit(cast, online=False))
    for dossier in (a, b, c, e):
        accept(cast, dossier)
    first_promise = Dossier.objects.get(pk=b.pk).original_promised_at
    clock.set(2026, 3, 3, 9)
    finish(cast, a)
    supplement(cast, b)
    supplement(cast, c)
    clock.set(2026, 3, 3, 10)
    answer(cast, c)
    clock.set(2026, 3, 4, 9)
    supplement(cast, c)
    clock.set(2026, 3, 4, 10)
    answer(cast, c)
    clock.set(2026, 3, 5, 9)
    answer(cast, b)
    finish(cast, c)
    clock.now = Dossier.objects.get(pk=b.pk).original_promised_at - timedelta(minutes=1)
    assert clock.now > first_promise + timedelta(days=1)
    finish(cast, b)
    returned_and_rated(cast, a, 1)
    returned_and_rated(cast, b, 3)
    clock.set(2026, 3, 25, 9)
    d = submit(cast, online=False)
    accept(cast, d)
    services.consume_events()
    return {"a": a, "b": b, "c": c, "d": d, "e": e}
