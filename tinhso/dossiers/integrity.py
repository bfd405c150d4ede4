"""How a dossier's state follows from its chain: every lifecycle event states the status and the version it
left the dossier in (the overdue flag states the status only)."""

from tinhso.core.integrity import StateCheck, register
from tinhso.dossiers.models import Dossier


def _replay(state: dict, action: str, payload: dict) -> None:
    for field in ("status", "version"):
        if field in payload:
            state[field] = payload[field]


register(StateCheck(model=Dossier, fields=("status", "version"), replay=_replay))
