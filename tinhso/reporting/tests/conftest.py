"""The cast of the reporting tests: the monthly socio-economic report, reported by two departments and a
commune's people's committee to the province, and a clock standing in for the wall clock."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tinhso.core.models import Role, User
from tinhso.reporting import selectors, setup
from tinhso.testing.factories import official

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
JUSTICE = setup.agency("15")
FINANCE = setup.agency("18")
AN_XUYEN = "32002.H12"
PROVINCE = "96"


@dataclass
class Cast:
    justice: User
    finance: User
    commune: User
    leader: User  # the province's leader: approves what the departments and communes send
    justice_leader: User


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 16, 9, tzinfo=ZONE)

    def set(self, year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
        self.now = datetime(year, month, day, hour, minute, tzinfo=ZONE)
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(timezone, "now", fake)
    return fake


@pytest.fixture
def cast(db) -> Cast:
    return Cast(
        justice=official("baocao.tuphap", (Role.REPORTING_OFFICER, JUSTICE)),
        finance=official("baocao.taichinh", (Role.REPORTING_OFFICER, FINANCE)),
        commune=official("baocao.anxuyen", (Role.REPORTING_OFFICER, AN_XUYEN)),
        leader=official("lanhdao.tinh", (Role.PROVINCE_LEADER, PROVINCE), (Role.REPORTING_OFFICER, PROVINCE)),
        justice_leader=official("lanhdao.tuphap", (Role.UNIT_LEADER, JUSTICE)),
    )


@pytest.fixture
def regime(cast, clock):
    setup.define_monthly_report(reporters=[JUSTICE, FINANCE, AN_XUYEN])
    return setup.REGIME


def cells(**filters) -> list[selectors.HeldCell]:
    """The values held, as every reader sees them (selectors.held_cells' filters; none: every report's)."""
    return selectors.held_cells(**filters)


def one_cell(**filters) -> selectors.HeldCell:
    (cell,) = selectors.held_cells(**filters)
    return cell
