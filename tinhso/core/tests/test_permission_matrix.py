"""Every cell of the permission matrix (role x domain x unit x action), and the province's field-report
coordinator kept out of agencies' dossiers end to end."""

import pytest

from tinhso.core import permissions
from tinhso.core import selectors as core_selectors
from tinhso.core.models import AdminUnit, Domain, Role
from tinhso.testing.factories import JUSTICE, official

pytestmark = pytest.mark.django_db

CELLS = sorted(permissions.MATRIX)
DOMAINS_HELD = [
    Domain.ALL, Domain.DOSSIERS, Domain.FIELD_REPORTS, Domain.REPORTING, Domain.OPERATIONS, Domain.OPEN_DATA
]  # fmt: skip
# The role is held over the Sở Tư pháp; the unit acted on is that agency, a unit under the province beside it
# (another agency), or the province above it.
UNITS = {"own unit": JUSTICE, "another agency": "000.00.16.H12", "the province above": "96"}


def test_the_matrix_names_only_known_domains_roles_and_gives_every_role_a_default_domain():
    for (domain, _action), roles in permissions.MATRIX.items():
        assert domain in Domain.values and domain != Domain.ALL
        assert roles <= set(Role.values)
    assert set(permissions.DEFAULT_DOMAIN) == set(Role.values)
    with pytest.raises(KeyError):
        permissions.roles_for(Domain.DOSSIERS, "approve")


@pytest.mark.parametrize("held_in", DOMAINS_HELD)
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize(("domain", "action"), CELLS, ids=[f"{d}:{a}" for d, a in CELLS])
def test_each_cell_allows_exactly_the_roles_it_lists_in_its_domain_over_their_units(
    role, held_in, domain, action
):
    user = official("canbo", (role, JUSTICE, held_in))
    expected_anywhere = role in permissions.MATRIX[(domain, action)] and held_in in (domain, Domain.ALL)
    for relation, code in UNITS.items():
        unit = AdminUnit.objects.get(code=code)
        allowed = core_selectors.may(user, domain=domain, action=action, unit_id=unit.pk)
        assert allowed == (expected_anywhere and relation == "own unit"), relation
    assert core_selectors.may(user, domain=domain, action=action, unit_id=None) is False


def test_a_role_over_the_province_reaches_every_unit_under_it_in_its_domain_only():
    coordinator = official("dieuphoi", (Role.SPECIALIST, "96", Domain.FIELD_REPORTS))
    justice = AdminUnit.objects.get(code=JUSTICE)
    assert core_selectors.may(coordinator, domain=Domain.FIELD_REPORTS, action="handle", unit_id=justice.pk)
    assert not core_selectors.may(coordinator, domain=Domain.DOSSIERS, action="view", unit_id=justice.pk)
    assert not core_selectors.holds_role(coordinator, Role.SPECIALIST, justice.pk, domain=Domain.DOSSIERS)
    assert core_selectors.role_holders(Role.SPECIALIST, justice, domain=Domain.DOSSIERS) == []
    assert core_selectors.role_holders(Role.SPECIALIST, justice, domain=Domain.FIELD_REPORTS) == [
        coordinator.pk
    ]
