"""Plausible residents of the province: names, birth dates, citizen IDs, addresses."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from tinhso.core.identifiers import citizen_id_prefix

FAMILY_NAMES = (
    ("Nguyễn", 31),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Huỳnh", 5),
    ("Võ", 5),
    ("Phan", 4),
    ("Trương", 3),
    ("Đặng", 3),
    ("Bùi", 3),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lâm", 2),
    ("Lý", 2),
    ("Quách", 1),
    ("Tô", 1),
    ("Thái", 1),
    ("Châu", 1),
)
MIDDLE_NAMES = {
    "M": ("Văn", "Minh", "Hoàng", "Quốc", "Thanh", "Hữu", "Đức", "Công", "Tấn", "Chí"),
    "F": ("Thị", "Ngọc", "Thu", "Mỹ", "Kim", "Thanh", "Bích", "Hồng", "Diễm", "Thảo"),
}
GIVEN_NAMES = {
    "M": (
        "An", "Bình", "Cường", "Dũng", "Hải", "Khang", "Lộc", "Phúc", "Tài", "Trung", "Nghĩa", "Tuấn",
        "Hùng", "Khoa", "Long", "Nam", "Phong", "Sang", "Tâm", "Thắng", "Toàn", "Vinh", "Hiếu", "Tú",
    ),
    "F": (
        "Anh", "Châu", "Diễm", "Hà", "Hân", "Lan", "Linh", "My", "Nhung", "Trâm", "Yến", "Thảo",
        "Trinh", "Ngân", "Phương", "Quyên", "Thư", "Uyên", "Vy", "Xuân", "Hằng", "Loan", "Mai", "Nhi",
    ),
}  # fmt: skip
HAMLETS = ("Ấp Tân Thành", "Ấp Bình Định", "Ấp Cái Rắn A", "Ấp Xóm Mới", "Ấp Kinh Tế", "Ấp Rạch Gốc",
           "Ấp Đầu Sấu", "Ấp Tân Hưng", "Ấp Năm Căn", "Khóm 1", "Khóm 2", "Khóm 3", "Khóm 6")  # fmt: skip
STREETS = ("Đường Lý Thường Kiệt", "Đường Phan Ngọc Hiển", "Đường Ngô Quyền", "Đường Trần Hưng Đạo",
           "Đường Nguyễn Tất Thành", "Đường Hùng Vương", "Đường 3 Tháng 2", "Đường Lê Lợi")  # fmt: skip
# Where residents were born: mostly Cà Mau (96) and the former Bạc Liêu (95), merged in 2025.
BIRTH_PROVINCES = (("96", 70), ("95", 24), ("94", 2), ("91", 2), ("79", 2))
_FAMILY = [name for name, weight in FAMILY_NAMES for _ in range(weight)]
_BIRTH = [code for code, weight in BIRTH_PROVINCES for _ in range(weight)]


@dataclass(frozen=True)
class Person:
    citizen_id: str
    full_name: str
    birth_date: date
    sex: str
    street: str


def full_name(rng: random.Random, sex: str) -> str:
    given = rng.choice(GIVEN_NAMES[sex])
    return f"{rng.choice(_FAMILY)} {rng.choice(MIDDLE_NAMES[sex])} {given}"


def street_address(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return f"Số {rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(HAMLETS[-4:])}"
    return f"{rng.choice(HAMLETS[:-4])}, số nhà {rng.randint(1, 400)}"


class People:
    """Draws adults with citizen IDs unique among themselves and those given as taken."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng, self.taken = rng, taken

    def adult(self, *, today: date) -> Person:
        rng = self.rng
        sex = "M" if rng.random() < 0.49 else "F"
        born = today - timedelta(days=rng.randint(18 * 365, 80 * 365))
        prefix = citizen_id_prefix(birth_province_code=rng.choice(_BIRTH), birth_date=born, sex=sex)
        while True:
            citizen_id = f"{prefix}{rng.randrange(1_000_000):06d}"
            if citizen_id not in self.taken:
                self.taken.add(citizen_id)
                return Person(citizen_id, full_name(rng, sex), born, sex, street_address(rng))
