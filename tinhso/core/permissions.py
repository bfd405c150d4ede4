"""The permission matrix: which role, held in which domain, may do what, over which units. One table; the
selectors that scope reads and the services that check actions ask it, and the tests check every cell.

A role is held in a domain (or in all) over a unit, and reaches that unit and every unit under it. A cell
(domain, action) lists the roles that may take the action there; an assignment counts for the cell when its
role is listed and its domain is the cell's or ALL, and the unit acted on lies under its unit."""

from tinhso.core.models import Domain, Role

R = Role
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    # One-stop dossiers: the desk receives, the roles the process steps name handle, the authority's leader
    # decides; a consulted agency's specialists and leaders answer; leaders and reporting officers follow.
    (Domain.DOSSIERS, "view"): frozenset(
        {R.RECEPTIONIST, R.SPECIALIST, R.UNIT_LEADER, R.PROVINCE_LEADER, R.REPORTING_OFFICER}
    ),
    (Domain.DOSSIERS, "receive"): frozenset({R.RECEPTIONIST}),
    (Domain.DOSSIERS, "handle_step"): frozenset({R.RECEPTIONIST, R.SPECIALIST, R.UNIT_LEADER}),
    (Domain.DOSSIERS, "decide"): frozenset({R.UNIT_LEADER}),
    (Domain.DOSSIERS, "answer_consultation"): frozenset({R.SPECIALIST, R.UNIT_LEADER}),
    # Field reports: the province's centre coordinates, the responsible unit handles.
    (Domain.FIELD_REPORTS, "view"): frozenset(
        {R.RECEPTIONIST, R.SPECIALIST, R.UNIT_LEADER, R.PROVINCE_LEADER}
    ),
    (Domain.FIELD_REPORTS, "coordinate"): frozenset({R.RECEPTIONIST, R.SPECIALIST, R.UNIT_LEADER}),
    (Domain.FIELD_REPORTS, "handle"): frozenset({R.SPECIALIST, R.UNIT_LEADER}),
    # Reporting: officers and leaders submit, leaders approve up the tree; the dossiers' statuses of the
    # officer's units go to the national portal.
    (Domain.REPORTING, "submit"): frozenset({R.REPORTING_OFFICER, R.UNIT_LEADER}),
    (Domain.REPORTING, "approve"): frozenset({R.UNIT_LEADER, R.PROVINCE_LEADER}),
    (Domain.REPORTING, "export_dossier_statuses"): frozenset(
        {R.REPORTING_OFFICER, R.UNIT_LEADER, R.PROVINCE_LEADER}
    ),
    # The operations centre's dashboards.
    (Domain.OPERATIONS, "view"): frozenset({R.UNIT_LEADER, R.PROVINCE_LEADER}),
    # Open data: an agency's data officers edit its datasets, its leader (or the province's) reviews and
    # publishes them and answers requests for its shared databases.
    (Domain.OPEN_DATA, "edit"): frozenset({R.SPECIALIST, R.UNIT_LEADER, R.ADMINISTRATOR}),
    (Domain.OPEN_DATA, "review"): frozenset({R.UNIT_LEADER, R.PROVINCE_LEADER, R.ADMINISTRATOR}),
}

# The domain a role is given in when none is named (create_official, assign_role, the demo).
DEFAULT_DOMAIN: dict[str, str] = {
    R.RECEPTIONIST: Domain.DOSSIERS,
    R.SPECIALIST: Domain.DOSSIERS,
    R.UNIT_LEADER: Domain.ALL,
    R.PROVINCE_LEADER: Domain.ALL,
    R.REPORTING_OFFICER: Domain.REPORTING,
    R.ADMINISTRATOR: Domain.ALL,
}


def roles_for(domain: str, action: str) -> frozenset[str]:
    """The roles the cell lists; KeyError for an action the matrix does not know (a typo is no permission)."""
    return MATRIX[(domain, action)]


def counts_in(assignment_domain: str, domain: str) -> bool:
    return assignment_domain in (domain, Domain.ALL)
