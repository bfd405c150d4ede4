"""The IOC tests reuse the dossier tests' cast (officials of two desks and two communes) and clock."""

import pytest

from tinhso.core.models import Role, User
from tinhso.core.tests.factories import official
from tinhso.dossiers.tests.conftest import _media_in_tmp, cast, clock, procedures  # noqa: F401
from tinhso.fieldreports.tests.conftest import categories, staff  # noqa: F401
from tinhso.ioc import services


@pytest.fixture
def province_leader(db) -> User:
    return official("lanhdaotinh", (Role.PROVINCE_LEADER, "96"))


@pytest.fixture
def consume():
    """Brings the rollups up to date, as the job run after each commit does."""
    return lambda: services.consume_events()
