"""Builders for test data: real Cà Mau units and plausible residents."""

from datetime import date

from django.contrib.auth import authenticate

from tinhso.core import services
from tinhso.core.models import PopulationRecord, User

CENTRE = "000.00.01.H12"
JUSTICE = "000.00.15.H12"
CONSTRUCTION = "000.00.16.H12"
AN_XUYEN = "32002"  # Phường An Xuyên, Cà Mau


def resident(
    citizen_id: str = "096090001234",
    full_name: str = "Nguyễn Văn An",
    birth_date: date = date(1990, 3, 12),
    sex: str = "M",
) -> PopulationRecord:
    return services.save_population_record(
        citizen_id=citizen_id,
        full_name=full_name,
        birth_date=birth_date,
        sex=sex,
        permanent_address="Số 12 Đường Lý Thường Kiệt, Khóm 3, Phường An Xuyên, Tỉnh Cà Mau",
        permanent_commune=None,
    )


def citizen(citizen_id: str = "096090001234", password: str = "Camau@2026", **identity) -> User:
    resident(citizen_id, **identity)
    return services.register_citizen(citizen_id=citizen_id, password=password)


def official(
    username: str, *roles: tuple[str, str] | tuple[str, str, str], password: str = "Camau@2026"
) -> User:
    """An official holding (role, unit code[, domain]) roles: the domain defaults to the role's usual one."""
    return services.create_official(
        actor=None, username=username, full_name=f"Cán bộ {username}", password=password, roles=roles
    )


def bearer(username: str, password: str = "Camau@2026") -> dict[str, str]:
    """Test client headers carrying an API token of the user, issued by the real service."""
    user = authenticate(username=username, password=password)
    assert user is not None, f"wrong test password for {username}"
    token, _ = services.issue_api_token(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
