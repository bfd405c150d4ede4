"""How a payment order's state follows from its chain: every event states the status and version it left."""

from tinhso.core.integrity import StateCheck, register
from tinhso.payments.models import PaymentOrder


def _replay(state: dict, action: str, payload: dict) -> None:
    for field in ("status", "version"):
        if field in payload:
            state[field] = payload[field]


register(StateCheck(model=PaymentOrder, fields=("status", "version"), replay=_replay))
