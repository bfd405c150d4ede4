"""The cast of the dossier tests: a small catalog, two citizens, officials of two desks and two communes.

The fixtures (procedures, cast, clock) are registered for every app's tests by the root conftest.py."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tinhso.catalog import demo
from tinhso.catalog import services as catalog_services
from tinhso.core.models import Role, User
from tinhso.testing.factories import CENTRE, JUSTICE, citizen, official

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
AN_XUYEN = "32002.H12"
OTHER_COMMUNE = "32065.H12"
RECORD = "H12-LLTP-01"
BIRTH = "1.001193"
RESIDENCE = "1.004222"
USED = (RECORD, BIRTH, RESIDENCE, "H12-BHYT-01")
RECORD_FORM = {"certificate_type": "Phiếu số 1", "purpose": "Bổ sung hồ sơ xin việc", "copies": 1}
RESIDENCE_FORM = {
    "address": "Số 12 Đường Lý Thường Kiệt, Khóm 3, Phường An Xuyên",
    "relationship_to_head": "Con",
}
BIRTH_FORM = {
    "child_full_name": "Nguyễn Ngọc Bảo Anh",
    "child_birth_date": "2026-02-02",
    "child_sex": "Nữ",
    "birth_place": "Bệnh viện Đa khoa tỉnh Cà Mau",
    "mother_full_name": "Trần Thị Bích Ngọc",
    "mother_citizen_id": "096195004321",
    "relationship_to_child": "Cha",
}


def birth_papers() -> dict[int, list]:
    """The birth certificate, the one document a birth registration needs uploaded (the others come from the
    registry or are optional)."""
    from django.core.files.base import ContentFile

    return {1: [ContentFile(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", name="giay-chung-sinh.pdf")]}


@dataclass
class Cast:
    an: User
    ngoc: User
    desk: User
    specialist: User
    leader: User
    commune_desk: User
    commune_specialist: User
    commune_leader: User
    other_commune_desk: User
    other_commune_specialist: User


@pytest.fixture
def procedures(db) -> None:
    for spec in demo.PROCEDURES:
        if spec.code in USED:
            demo.publish(spec)
    code, name, codes = demo.BIRTH_BUNDLE
    catalog_services.define_bundle(actor=None, code=code, name=name, procedure_codes=codes)


@pytest.fixture
def cast(procedures) -> Cast:
    return Cast(
        an=citizen("096090001234"),
        ngoc=citizen(
            "096195004321", full_name="Trần Thị Bích Ngọc", sex="F", birth_date=datetime(1995, 8, 27).date()
        ),
        desk=official("motcua", (Role.RECEPTIONIST, CENTRE)),
        specialist=official("chuyenvien", (Role.SPECIALIST, JUSTICE)),
        leader=official("lanhdao", (Role.UNIT_LEADER, JUSTICE)),
        commune_desk=official("motcua.anxuyen", (Role.RECEPTIONIST, AN_XUYEN)),
        commune_specialist=official("tuphap.anxuyen", (Role.SPECIALIST, AN_XUYEN)),
        commune_leader=official("chutich.anxuyen", (Role.UNIT_LEADER, AN_XUYEN)),
        other_commune_desk=official("motcua.khac", (Role.RECEPTIONIST, OTHER_COMMUNE)),
        other_commune_specialist=official("tuphap.khac", (Role.SPECIALIST, OTHER_COMMUNE)),
    )


class Clock:
    """Stands in for the wall clock: every service reads django.utils.timezone.now."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def set(self, year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
        self.now = datetime(year, month, day, hour, minute, tzinfo=ZONE)
        return self.now

    def __call__(self) -> datetime:
        assert self.now is not None, "set the clock first"
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    fake.set(2026, 3, 10)
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)
