"""The lifecycle of a report submission, declared once: services enforce it, selectors tell pages and the
API which actions a person may take now, tests read it. Who acts: the reporting unit itself ("unit") or the
level it reports to ("above")."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tinhso.reporting.models import Status

UNIT = "unit"
ABOVE = "above"

# Event types of the reporting app, each with the payload fields it carries.
VALUES_SAVED = (
    "reporting.values_saved"  # {"channel", "reason", "changes": [[row, disaggregation, kind, old, new]]}
)
SUBMITTED = "reporting.submitted"  # {"revision", "reason", "explanations"}
ACCEPTED = "reporting.accepted"  # {}
APPROVED = "reporting.approved"  # {"children"}
RETURNED = "reporting.returned"  # {"reason"}
EXPLAINED = "reporting.explained"  # {"subject", "text"}
NARRATIVE_SAVED = "reporting.narrative_saved"  # {"section", "text"}
LOCK_EXCEPTION_GRANTED = "reporting.lock_exception_granted"  # {"period", "unit", "expires_at", "reason"}
REGIME_ACTIVATED = "reporting.regime_activated"  # {"version"}
INDICATOR_VERSIONED = "reporting.indicator_versioned"  # {"version", "changed"}
HISTORY_IMPORTED = "reporting.history_imported"  # {"reason"}: approved figures of an earlier system
DERIVED = "reporting.derived"  # {"indicator", "value", "query", "records_hash"}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    actor: str
    event: str
    label: str
    needs_reason: bool = False


LIFECYCLE: tuple[Transition, ...] = (
    Transition(
        "submit", (Status.DRAFT, Status.RETURNED), Status.SUBMITTED, UNIT, SUBMITTED, _("Gửi báo cáo")
    ),
    Transition("accept", (Status.SUBMITTED,), Status.ACCEPTED, ABOVE, ACCEPTED, _("Tiếp nhận")),
    Transition("approve", (Status.ACCEPTED,), Status.APPROVED, ABOVE, APPROVED, _("Phê duyệt")),
    Transition(
        "return",
        (Status.SUBMITTED, Status.ACCEPTED, Status.APPROVED),
        Status.RETURNED,
        ABOVE,
        RETURNED,
        _("Trả lại"),
        needs_reason=True,
    ),
)
TRANSITIONS = {transition.action: transition for transition in LIFECYCLE}
# Values may be typed only while the unit holds the report.
EDITABLE = (Status.DRAFT, Status.RETURNED)
