"""Answers to a procedure's application form (its JSON Schema), as an applicant would give them."""

import random
from datetime import date, timedelta

from tinhso.generator.people import Person, full_name

PURPOSES = (
    "Bổ sung hồ sơ xin việc tại doanh nghiệp",
    "Hoàn thiện hồ sơ du học",
    "Hồ sơ xuất khẩu lao động",
    "Bổ sung hồ sơ vay vốn ngân hàng",
)
DOCUMENTS = (
    "Giấy khai sinh",
    "Bằng tốt nghiệp trung học phổ thông",
    "Giấy chứng nhận quyền sử dụng đất",
    "Bằng tốt nghiệp đại học",
    "Hợp đồng mua bán nhà ở",
)
BUSINESS_LINES = ("Bán lẻ tạp hóa", "Quán cà phê, giải khát", "Sửa chữa xe máy", "Nuôi trồng thủy sản")
ETHNICITIES = ("Kinh", "Kinh", "Kinh", "Khmer", "Hoa")
TEXT_BY_FIELD = {
    "purpose": PURPOSES,
    "document_name": DOCUMENTS,
    "business_lines": BUSINESS_LINES,
    "ethnicity": ETHNICITIES,
    "relationship_to_head": ("Chủ hộ", "Vợ", "Chồng", "Con"),
    "relationship_to_child": ("Mẹ", "Cha"),
    "relationship": ("Con", "Vợ", "Chồng", "Anh", "Chị"),
    "reason": ("Chuyển nơi ở mới", "Theo yêu cầu của cơ quan tuyển dụng", "Bị mất bản chính"),
    "request_details": ("Đề nghị cấp theo đúng thông tin trong hồ sơ gửi kèm",),
    "residence_history": ("Từ năm 2010 đến nay thường trú tại địa chỉ trên",),
    "primary_care_facility": ("Trạm Y tế xã nơi cư trú", "Bệnh viện Đa khoa tỉnh Cà Mau"),
    "business_name": ("Hộ kinh doanh Minh Phát", "Hộ kinh doanh Thanh Tâm", "Hộ kinh doanh Ngọc Lan"),
    "map_sheet": ("12", "27", "35", "41"),
    "birth_place": ("Bệnh viện Sản - Nhi Cà Mau", "Bệnh viện Đa khoa tỉnh Cà Mau", "Trạm Y tế xã"),
    "place_of_death": ("Tại nhà riêng", "Bệnh viện Đa khoa tỉnh Cà Mau"),
}
NUMBERS = {"copies": (1, 5), "floors": (1, 4), "employees": (1, 9), "capital_vnd": (50, 900)}


def answers(schema: dict, applicant: Person, rng: random.Random, today: date) -> dict:
    """A value for every property the schema knows, valid against it."""
    values = {}
    for name, spec in schema.get("properties", {}).items():
        values[name] = _value(name, spec, applicant, rng, today)
    return values


def _value(name: str, spec: dict, applicant: Person, rng: random.Random, today: date) -> object:
    if "enum" in spec:
        return rng.choice(spec["enum"])
    kind = spec.get("type")
    if kind == "integer":
        low, high = NUMBERS.get(name, (1, 3))
        return rng.randint(low, high) * (1_000_000 if name == "capital_vnd" else 1)
    if kind == "number":
        return round(rng.uniform(40, 400), 1)
    if spec.get("format") == "date":
        return (today - timedelta(days=rng.randint(1, 60))).isoformat()
    if name.endswith("citizen_id"):
        return applicant.citizen_id if name.startswith(("mother", "father")) else _other_id(rng)
    if name.endswith("full_name") or name == "household_head_name":
        return applicant.full_name if name.startswith(("mother", "father")) else full_name(rng, "M")
    if "address" in name:
        return applicant.street
    if name in ("parcel_number",):
        return str(rng.randint(1, 900))
    return rng.choice(TEXT_BY_FIELD.get(name, ("Theo giấy tờ gửi kèm",)))


def _other_id(rng: random.Random) -> str:
    return f"0960{rng.randint(50, 99)}{rng.randrange(1_000_000):06d}"
