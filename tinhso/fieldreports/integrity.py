"""How a field report's status follows from its chain: the lifecycle table's event -> state, plus the events
that set a status outside the table (filing, routing, a part split off, reopening by an unsatisfied rating)."""

from tinhso.core.integrity import StateCheck, register
from tinhso.core.lifecycle import RESUMED, UNCHANGED
from tinhso.fieldreports import events
from tinhso.fieldreports.lifecycle import LIFECYCLE
from tinhso.fieldreports.models import Report


def _status_after() -> dict[str, str]:
    targets: dict[str, set] = {}
    for row in LIFECYCLE.transitions:
        if row.target not in (UNCHANGED, RESUMED):
            targets.setdefault(str(row.event), set()).add(str(row.target))
    after = {event: states.pop() for event, states in targets.items() if len(states) == 1}
    return after | {
        str(events.SUBMITTED): Report.Status.ROUTED,
        str(events.ROUTED): Report.Status.ROUTED,
        str(events.SPLIT_FROM): Report.Status.ROUTED,
        str(events.REOPENED): Report.Status.REOPENED,
    }


STATUS_AFTER = _status_after()


def _replay(state: dict, action: str, payload: dict) -> None:
    if action in STATUS_AFTER:
        state["status"] = str(STATUS_AFTER[action])


register(StateCheck(model=Report, fields=("status",), replay=_replay))
