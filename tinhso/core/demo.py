"""Demo data of the data core: the province's units, people in the population registry, demo accounts."""

from datetime import date

from django.conf import settings
from django.db import transaction

from tinhso.core import selectors, services
from tinhso.core.models import AdminUnit, Role, User
from tinhso.core.production import DEMO_PASSWORD

# (citizen ID, full name, birth date, sex, address, commune code): plausible residents of Cà Mau.
DEMO_PEOPLE = (
    ("096090001234", "Nguyễn Văn An", date(1990, 3, 12), "M", "Số 12 Đường Lý Thường Kiệt, Khóm 3", "32002"),
    ("096195004321", "Trần Thị Bích Ngọc", date(1995, 8, 27), "F", "Ấp Tân Thành, số nhà 45", "32014"),
    ("096088007788", "Lê Hoàng Phúc", date(1988, 11, 2), "M", "Số 8 Đường Phan Ngọc Hiển, Khóm 1", "32002"),
    ("096192003456", "Phạm Thị Thu Hà", date(1992, 1, 19), "F", "Ấp Bình Định, số nhà 210", "32041"),
    ("096075002020", "Huỳnh Văn Tám", date(1975, 6, 5), "M", "Ấp Cái Rắn A", "32065"),
    ("096185009911", "Võ Thị Mỹ Linh", date(1985, 12, 24), "F", "Số 5 Đường Ngô Quyền, Khóm 6", "32002"),
    ("096201000777", "Đặng Minh Khoa", date(2001, 4, 30), "M", "Ấp Xóm Mới, số nhà 17", "32065"),
    ("096198001122", "Trương Ngọc Hân", date(1998, 9, 9), "F", "Số 3 Đường Trần Hưng Đạo, Khóm 2", "31825"),
)

# (username, full name, [(role, unit)]) where unit is "province", "centre", "justice" or a code.
DEMO_OFFICIALS = (
    ("motcua", "Nguyễn Thị Mai", [(Role.RECEPTIONIST, "centre")]),
    ("chuyenvien", "Lý Văn Hùng", [(Role.SPECIALIST, "justice")]),
    ("lanhdao", "Tô Thị Kim Cúc", [(Role.UNIT_LEADER, "justice")]),
    ("lanhdaotinh", "Lâm Văn Bé", [(Role.PROVINCE_LEADER, "province")]),
    ("quantri", "Quách Minh Trí", [(Role.ADMINISTRATOR, "province")]),
)


def _unit_code(key: str) -> str:
    portal = settings.TINHSO_PROVINCE
    return {
        "province": settings.TINHSO_PROVINCE_GSO_CODE,
        "centre": f"000.00.01.{portal}",
        "justice": f"000.00.15.{portal}",
    }.get(key, key)


@transaction.atomic
def load_demo(*, with_accounts: bool) -> list[str]:
    """Loads the data core's demo data; returns the lines to print (the demo accounts)."""
    services.import_admin_units()
    services.create_province_agencies()
    province = selectors.province_unit()
    communes = {u.code: u for u in AdminUnit.objects.filter(parent=province, kind=AdminUnit.Kind.COMMUNE)}
    fallback = next(iter(communes.values()))
    for citizen_id, name, born, sex, street, commune_code in DEMO_PEOPLE:
        commune = communes.get(commune_code, fallback)
        services.save_population_record(
            citizen_id=citizen_id,
            full_name=name,
            birth_date=born,
            sex=sex,
            permanent_address=f"{street}, {commune.name}, {province.name}",
            permanent_commune=commune,
        )
    if not with_accounts:
        return []
    lines = []
    if not User.objects.filter(username="congdan").exists():
        services.register_citizen(
            citizen_id=DEMO_PEOPLE[0][0], username="congdan", password=DEMO_PASSWORD, demo=True
        )
    lines.append(f"congdan      {DEMO_PASSWORD}  công dân {DEMO_PEOPLE[0][1]} ({DEMO_PEOPLE[0][0]})")
    for username, full_name, roles in DEMO_OFFICIALS:
        if not User.objects.filter(username=username).exists():
            services.create_official(
                actor=None,
                username=username,
                full_name=full_name,
                password=DEMO_PASSWORD,
                roles=[(role, _unit_code(unit)) for role, unit in roles],
                demo=True,
            )
        role, unit = roles[0]
        unit_name = selectors.unit_by_code(_unit_code(unit)).name
        lines.append(f"{username:<12} {DEMO_PASSWORD}  {Role(role).label}, {unit_name}")
    return lines
