"""Demo catalog: real procedures of Cà Mau province and its communes, and the birth bundle.

Codes are the national database's where they were checked; procedures marked `national=False` carry a
local code ("H12-...") until someone confirms theirs. Legal times follow the law in force in 2026.
"""

from dataclasses import dataclass, field
from datetime import time
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction

from tinhso.catalog import services
from tinhso.catalog.models import Procedure, ProcessStep, RequiredDocument
from tinhso.catalog.names import STEP_NAMES_EN
from tinhso.catalog.services import DocumentSpec, StepSpec
from tinhso.core import selectors as core_selectors
from tinhso.core import services as core_services
from tinhso.core.models import Role, User
from tinhso.core.production import DEMO_PASSWORD

ORIGINAL = RequiredDocument.Form.ORIGINAL
COPY = RequiredDocument.Form.COPY
CERTIFIED = RequiredDocument.Form.CERTIFIED_COPY
ANY = RequiredDocument.Form.ORIGINAL_OR_COPY
REGISTRY = RequiredDocument.Source.POPULATION_REGISTRY
STORE = RequiredDocument.Source.DATA_STORE
COMMUNE = Procedure.Level.COMMUNE
PROVINCE = Procedure.Level.PROVINCE
FULL = Procedure.OnlineLevel.FULL
PARTIAL = Procedure.OnlineLevel.PARTIAL
SAME_DAY = time(15, 0)
COUNCIL_FEE = "Theo mức thu do Hội đồng nhân dân tỉnh Cà Mau quy định"
CITIZEN_ID = {"type": "string", "pattern": "^[0-9]{12}$", "title": "Số định danh cá nhân"}
# Every date the demo forms ask for is of something that has happened (a birth, a death): none is later than today.
DATE = {"type": "string", "format": "date", "x-latest": "today"}


def text(title: str, min_length: int = 1) -> dict:
    return {"type": "string", "title": title, "minLength": min_length, "maxLength": 500}


def reused(spec: dict) -> dict:
    """Marks a field about the applicant (not about the matter applied for): earlier answers are offered."""
    return spec | {"x-reuse": True}


def form(properties: dict, required: list[str]) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def declaration(name: str) -> DocumentSpec:
    """The application form (tờ khai, đơn): the dossier's form holds it, online or typed in at the desk."""
    return DocumentSpec(name, ORIGINAL, reusable_from=RequiredDocument.Source.FORM)


IDENTITY_DOC = DocumentSpec("Giấy tờ tùy thân của người nộp hồ sơ", ANY, reusable_from=REGISTRY)
PROXY_DOC = DocumentSpec("Văn bản ủy quyền (khi nộp thay)", ANY, mandatory=False)
REQUEST_FORM = form({"request_details": text("Nội dung yêu cầu", 5)}, ["request_details"])
BIRTH_FORM = form(
    {
        "child_full_name": text("Họ, chữ đệm và tên của trẻ", 2),
        "child_birth_date": DATE | {"title": "Ngày sinh của trẻ"},
        "child_sex": {"type": "string", "enum": ["Nam", "Nữ"], "title": "Giới tính"},
        "birth_place": text("Nơi sinh"),
        "ethnicity": text("Dân tộc"),
        "mother_full_name": reused(text("Họ, chữ đệm và tên của mẹ", 2)),
        "mother_citizen_id": reused(CITIZEN_ID | {"title": "Số định danh cá nhân của mẹ"}),
        "father_full_name": reused(text("Họ, chữ đệm và tên của cha", 2)),
        "father_citizen_id": reused(CITIZEN_ID | {"title": "Số định danh cá nhân của cha"}),
        "relationship_to_child": reused(text("Quan hệ với trẻ")),
    },
    ["child_full_name", "child_birth_date", "child_sex", "birth_place", "mother_full_name",
     "mother_citizen_id", "relationship_to_child"],
)  # fmt: skip
MARRIAGE_FORM = form(
    {
        "groom_full_name": text("Họ, chữ đệm và tên bên nam", 2),
        "groom_citizen_id": CITIZEN_ID | {"title": "Số định danh cá nhân bên nam"},
        "bride_full_name": text("Họ, chữ đệm và tên bên nữ", 2),
        "bride_citizen_id": CITIZEN_ID | {"title": "Số định danh cá nhân bên nữ"},
    },
    ["groom_full_name", "groom_citizen_id", "bride_full_name", "bride_citizen_id"],
)
DEATH_FORM = form(
    {
        "deceased_full_name": text("Họ, chữ đệm và tên người chết", 2),
        "deceased_citizen_id": CITIZEN_ID | {"title": "Số định danh cá nhân người chết"},
        "date_of_death": DATE | {"title": "Ngày chết"},
        "place_of_death": text("Nơi chết"),
        "relationship": text("Quan hệ với người chết"),
    },
    ["deceased_full_name", "deceased_citizen_id", "date_of_death", "place_of_death", "relationship"],
)
RESIDENCE_FORM = form(
    {
        "address": reused(text("Địa chỉ nơi đăng ký cư trú", 5)),
        "household_head_name": reused(text("Họ và tên chủ hộ")),
        "relationship_to_head": reused(text("Quan hệ với chủ hộ")),
        "reason": text("Lý do"),
    },
    ["address", "relationship_to_head"],
)
CERTIFY_FORM = form(
    {
        "document_name": text("Tên giấy tờ cần chứng thực", 2),
        "copies": {"type": "integer", "minimum": 1, "maximum": 50, "title": "Số bản"},
    },
    ["document_name", "copies"],
)
BUSINESS_FORM = form(
    {
        "business_name": reused(text("Tên hộ kinh doanh", 2)),
        "address": reused(text("Địa điểm kinh doanh", 5)),
        "business_lines": reused(text("Ngành, nghề kinh doanh", 2)),
        "capital_vnd": {"type": "integer", "minimum": 0, "title": "Vốn kinh doanh (đồng)"},
        "employees": {"type": "integer", "minimum": 0, "title": "Số lao động"},
    },
    ["business_name", "address", "business_lines", "capital_vnd"],
)
BUILDING_FORM = form(
    {
        "site_address": reused(text("Địa điểm xây dựng", 5)),
        "parcel_number": reused(text("Số thửa đất")),
        "map_sheet": reused(text("Số tờ bản đồ")),
        "floor_area_m2": {"type": "number", "exclusiveMinimum": 0, "title": "Tổng diện tích sàn (m²)"},
        "floors": {"type": "integer", "minimum": 1, "maximum": 100, "title": "Số tầng"},
    },
    ["site_address", "parcel_number", "map_sheet", "floor_area_m2", "floors"],
)
LAND_FORM = form(
    {
        "parcel_number": reused(text("Số thửa đất")),
        "map_sheet": reused(text("Số tờ bản đồ")),
        "land_address": reused(text("Địa chỉ thửa đất", 5)),
        "area_m2": {"type": "number", "exclusiveMinimum": 0, "title": "Diện tích (m²)"},
    },
    ["parcel_number", "map_sheet", "land_address", "area_m2"],
)
RECORD_FORM = form(
    {
        "certificate_type": {"type": "string", "enum": ["Phiếu số 1", "Phiếu số 2"], "title": "Loại phiếu"},
        "purpose": text("Mục đích yêu cầu cấp phiếu", 2),
        "copies": {"type": "integer", "minimum": 1, "maximum": 10, "title": "Số lượng phiếu"},
        "residence_history": reused(text("Quá trình cư trú từ đủ 14 tuổi")),
    },
    ["certificate_type", "purpose", "copies"],
)
CHILD_INSURANCE_FORM = form(
    {
        "child_full_name": text("Họ, chữ đệm và tên của trẻ", 2),
        "child_birth_date": DATE | {"title": "Ngày sinh của trẻ"},
        "primary_care_facility": reused(text("Nơi đăng ký khám bệnh, chữa bệnh ban đầu", 2)),
    },
    ["child_full_name", "child_birth_date", "primary_care_facility"],
)


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    sector: str
    level: str
    days: int
    schema: dict
    documents: tuple[DocumentSpec, ...]
    online: str = FULL
    fee: int | None = None
    fee_note: str = ""
    cutoff: time | None = None
    agency: str = ""  # number of the provincial agency deciding it ("15" Sở Tư pháp), province level only
    result: str = ""
    national: bool = True
    legal_basis: str = ""
    authority_name: str = field(default="")


JUSTICE_SECTOR = "Hộ tịch"
CERTIFY_SECTOR = "Chứng thực"
RESIDENCE_SECTOR = "Đăng ký, quản lý cư trú"
BUSINESS_SECTOR = "Thành lập và hoạt động của hộ kinh doanh"
BUILDING_SECTOR = "Hoạt động xây dựng"
LAND_SECTOR = "Đất đai"
RECORD_SECTOR = "Lý lịch tư pháp"
ENTERPRISE_SECTOR = "Thành lập và hoạt động doanh nghiệp"
INSURANCE_SECTOR = "Bảo hiểm y tế"
COMMITTEE = "Ủy ban nhân dân cấp xã"
COMMUNE_POLICE = "Công an cấp xã"
HOUSEHOLD_BOOK = "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP; Nghị định 120/2025/NĐ-CP"

PROCEDURES: tuple[Spec, ...] = (
    Spec("1.001193", "Đăng ký khai sinh", JUSTICE_SECTOR, COMMUNE, 1, BIRTH_FORM,
         (DocumentSpec("Giấy chứng sinh hoặc văn bản thay giấy chứng sinh", ORIGINAL), IDENTITY_DOC, PROXY_DOC),
         fee=0, fee_note="Miễn lệ phí đăng ký khai sinh đúng hạn", cutoff=SAME_DAY,
         result="Giấy khai sinh (bản chính và bản điện tử)", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.000894", "Đăng ký kết hôn", JUSTICE_SECTOR, COMMUNE, 1, MARRIAGE_FORM,
         (declaration("Tờ khai đăng ký kết hôn"),
          DocumentSpec("Giấy xác nhận tình trạng hôn nhân (khi đăng ký ở nơi không thường trú)", ORIGINAL,
                       mandatory=False, reusable_from=STORE), IDENTITY_DOC),
         online=PARTIAL, fee=0, fee_note="Miễn lệ phí; cần xác minh thì không quá 05 ngày làm việc",
         cutoff=SAME_DAY, result="Giấy chứng nhận kết hôn", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.000656", "Đăng ký khai tử", JUSTICE_SECTOR, COMMUNE, 1, DEATH_FORM,
         (DocumentSpec("Giấy báo tử hoặc giấy tờ thay giấy báo tử", ORIGINAL), IDENTITY_DOC, PROXY_DOC),
         fee=0, fee_note="Miễn lệ phí đăng ký khai tử đúng hạn", cutoff=SAME_DAY, result="Trích lục khai tử",
         legal_basis=HOUSEHOLD_BOOK),
    Spec("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", JUSTICE_SECTOR, COMMUNE, 3, REQUEST_FORM,
         (declaration("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"), IDENTITY_DOC),
         fee_note=COUNCIL_FEE, result="Giấy xác nhận tình trạng hôn nhân", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.004884", "Đăng ký lại khai sinh", JUSTICE_SECTOR, COMMUNE, 5, BIRTH_FORM,
         (DocumentSpec("Bản sao Giấy khai sinh hoặc giấy tờ có nội dung khai sinh", COPY, mandatory=False),
          IDENTITY_DOC), fee_note=COUNCIL_FEE, result="Giấy khai sinh", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.005461", "Đăng ký lại khai tử", JUSTICE_SECTOR, COMMUNE, 5, DEATH_FORM,
         (DocumentSpec("Bản sao Giấy chứng tử hoặc giấy tờ liên quan đến việc khai tử", COPY), IDENTITY_DOC),
         fee_note=COUNCIL_FEE, result="Trích lục khai tử", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.004746", "Đăng ký lại kết hôn", JUSTICE_SECTOR, COMMUNE, 5, MARRIAGE_FORM,
         (DocumentSpec("Bản sao Giấy chứng nhận kết hôn đã cấp trước đây (nếu có)", COPY, mandatory=False),
          IDENTITY_DOC), online=PARTIAL, fee_note=COUNCIL_FEE, result="Giấy chứng nhận kết hôn",
         legal_basis=HOUSEHOLD_BOOK),
    Spec("1.000689", "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con", JUSTICE_SECTOR, COMMUNE, 3,
         BIRTH_FORM, (DocumentSpec("Giấy chứng sinh", ORIGINAL),
                      DocumentSpec("Chứng cứ chứng minh quan hệ cha, mẹ, con", ANY), IDENTITY_DOC),
         online=PARTIAL, fee_note=COUNCIL_FEE, result="Giấy khai sinh", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.004845", "Đăng ký chấm dứt giám hộ", JUSTICE_SECTOR, COMMUNE, 2, REQUEST_FORM,
         (declaration("Tờ khai đăng ký chấm dứt giám hộ"),
          DocumentSpec("Giấy tờ làm căn cứ chấm dứt giám hộ", ANY), IDENTITY_DOC),
         fee=0, fee_note="Miễn lệ phí", result="Trích lục đăng ký chấm dứt giám hộ", legal_basis=HOUSEHOLD_BOOK),
    Spec("2.000635", "Cấp bản sao trích lục hộ tịch", JUSTICE_SECTOR, COMMUNE, 1, REQUEST_FORM,
         (IDENTITY_DOC, PROXY_DOC), fee=8000, fee_note="8.000 đồng/bản sao", cutoff=SAME_DAY,
         result="Bản sao trích lục hộ tịch", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.000593", "Đăng ký kết hôn lưu động", JUSTICE_SECTOR, COMMUNE, 5, MARRIAGE_FORM,
         (declaration("Tờ khai đăng ký kết hôn"), IDENTITY_DOC), online=PARTIAL, fee=0,
         fee_note="Miễn lệ phí", result="Giấy chứng nhận kết hôn", legal_basis=HOUSEHOLD_BOOK),
    Spec("1.000419", "Đăng ký khai tử lưu động", JUSTICE_SECTOR, COMMUNE, 5, DEATH_FORM,
         (DocumentSpec("Giấy báo tử hoặc giấy tờ thay giấy báo tử", ORIGINAL), IDENTITY_DOC), online=PARTIAL,
         fee=0, fee_note="Miễn lệ phí", result="Trích lục khai tử", legal_basis=HOUSEHOLD_BOOK),
    Spec("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của "
         "Việt Nam cấp hoặc chứng nhận", CERTIFY_SECTOR, COMMUNE, 1, CERTIFY_FORM,
         (DocumentSpec("Bản chính giấy tờ, văn bản cần chứng thực", ORIGINAL), IDENTITY_DOC),
         online=PARTIAL, fee=2000,
         fee_note="2.000 đồng/trang; từ trang thứ ba trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản",
         cutoff=SAME_DAY, result="Bản sao có chứng thực", legal_basis="Nghị định 23/2015/NĐ-CP"),
    Spec("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", CERTIFY_SECTOR, COMMUNE, 1, CERTIFY_FORM,
         (DocumentSpec("Giấy tờ, văn bản cần chứng thực chữ ký", ORIGINAL), IDENTITY_DOC), online=PARTIAL,
         fee=10000, fee_note="10.000 đồng/trường hợp", cutoff=SAME_DAY, result="Giấy tờ đã chứng thực chữ ký",
         legal_basis="Nghị định 23/2015/NĐ-CP"),
    Spec("2.001008", "Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch thuật",
         CERTIFY_SECTOR, COMMUNE, 1, CERTIFY_FORM,
         (DocumentSpec("Bản dịch và giấy tờ cần dịch", ORIGINAL),
          DocumentSpec("Bằng cử nhân ngoại ngữ hoặc văn bằng chứng minh trình độ dịch", COPY), IDENTITY_DOC),
         online=PARTIAL, fee=10000, fee_note="10.000 đồng/trường hợp", cutoff=SAME_DAY,
         result="Bản dịch đã chứng thực chữ ký người dịch", legal_basis="Nghị định 23/2015/NĐ-CP"),
    Spec("1.004222", "Đăng ký thường trú", RESIDENCE_SECTOR, COMMUNE, 7, RESIDENCE_FORM,
         (declaration("Tờ khai thay đổi thông tin cư trú (CT01)"),
          DocumentSpec("Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", ANY, reusable_from=STORE), IDENTITY_DOC),
         fee=20000, fee_note="20.000 đồng; 10.000 đồng khi nộp trực tuyến", authority_name=COMMUNE_POLICE,
         result="Thông báo kết quả đăng ký thường trú", legal_basis="Luật Cư trú 2020; Thông tư 55/2021/TT-BCA"),
    Spec("1.004194", "Đăng ký tạm trú", RESIDENCE_SECTOR, COMMUNE, 3, RESIDENCE_FORM,
         (declaration("Tờ khai thay đổi thông tin cư trú (CT01)"),
          DocumentSpec("Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", ANY, reusable_from=STORE)),
         fee=15000, fee_note="15.000 đồng; 7.000 đồng khi nộp trực tuyến", authority_name=COMMUNE_POLICE,
         result="Thông báo kết quả đăng ký tạm trú", legal_basis="Luật Cư trú 2020"),
    Spec("1.002755", "Gia hạn tạm trú", RESIDENCE_SECTOR, COMMUNE, 3, RESIDENCE_FORM,
         (declaration("Tờ khai thay đổi thông tin cư trú (CT01)"),), fee=15000,
         fee_note="15.000 đồng; 7.000 đồng khi nộp trực tuyến", authority_name=COMMUNE_POLICE,
         result="Thông báo kết quả gia hạn tạm trú", legal_basis="Luật Cư trú 2020"),
    Spec("1.003197", "Xóa đăng ký thường trú", RESIDENCE_SECTOR, COMMUNE, 1, RESIDENCE_FORM,
         (declaration("Tờ khai thay đổi thông tin cư trú (CT01)"),
          DocumentSpec("Giấy tờ chứng minh thuộc trường hợp xóa đăng ký thường trú", ANY, reusable_from=STORE)),
         fee=0, fee_note="Không thu lệ phí", authority_name=COMMUNE_POLICE,
         result="Thông báo kết quả xóa đăng ký thường trú", legal_basis="Luật Cư trú 2020"),
    Spec("1.010028", "Xóa đăng ký tạm trú", RESIDENCE_SECTOR, COMMUNE, 1, RESIDENCE_FORM,
         (declaration("Tờ khai thay đổi thông tin cư trú (CT01)"),), fee=0,
         fee_note="Không thu lệ phí", authority_name=COMMUNE_POLICE,
         result="Thông báo kết quả xóa đăng ký tạm trú", legal_basis="Luật Cư trú 2020"),
    Spec("H12-HKD-01", "Đăng ký thành lập hộ kinh doanh", BUSINESS_SECTOR, COMMUNE, 3, BUSINESS_FORM,
         (declaration("Giấy đề nghị đăng ký hộ kinh doanh"),
          DocumentSpec("Biên bản họp thành viên hộ gia đình (khi các thành viên cùng đăng ký)", COPY,
                       mandatory=False), IDENTITY_DOC),
         fee_note=COUNCIL_FEE, result="Giấy chứng nhận đăng ký hộ kinh doanh", national=False,
         legal_basis="Nghị định 168/2025/NĐ-CP"),
    Spec("1.001570", "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
         BUSINESS_SECTOR, COMMUNE, 3, REQUEST_FORM,
         (declaration("Thông báo tạm ngừng kinh doanh hoặc tiếp tục kinh doanh"),), fee=0,
         fee_note="Không thu lệ phí", result="Giấy xác nhận việc hộ kinh doanh tạm ngừng kinh doanh"),
    Spec("1.001266", "Chấm dứt hoạt động hộ kinh doanh", BUSINESS_SECTOR, COMMUNE, 3, REQUEST_FORM,
         (declaration("Thông báo chấm dứt hoạt động hộ kinh doanh"),
          DocumentSpec("Thông báo của cơ quan thuế về việc hoàn thành nghĩa vụ thuế", COPY)), fee=0,
         fee_note="Không thu lệ phí", result="Thông báo về việc chấm dứt hoạt động hộ kinh doanh"),
    Spec("2.000575", "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh", BUSINESS_SECTOR, COMMUNE, 3,
         REQUEST_FORM, (declaration("Giấy đề nghị cấp lại Giấy chứng nhận đăng ký hộ kinh doanh"),),
         fee_note=COUNCIL_FEE, result="Giấy chứng nhận đăng ký hộ kinh doanh"),
    Spec("H12-XD-01", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", BUILDING_SECTOR, COMMUNE, 15,
         BUILDING_FORM,
         (declaration("Đơn đề nghị cấp giấy phép xây dựng"),
          DocumentSpec("Giấy tờ chứng minh quyền sử dụng đất", COPY, reusable_from=STORE),
          DocumentSpec("Hai bộ bản vẽ thiết kế xây dựng", ORIGINAL)),
         online=PARTIAL, fee_note=COUNCIL_FEE, result="Giấy phép xây dựng", national=False,
         legal_basis="Luật Xây dựng 2014 (sửa đổi 2020)"),
    Spec("1.013227", "Gia hạn giấy phép xây dựng", BUILDING_SECTOR, COMMUNE, 5, BUILDING_FORM,
         (declaration("Đơn đề nghị gia hạn giấy phép xây dựng"),
          DocumentSpec("Bản chính giấy phép xây dựng đã được cấp", ORIGINAL, reusable_from=STORE)),
         fee_note=COUNCIL_FEE, result="Giấy phép xây dựng được gia hạn"),
    Spec("1.013228", "Cấp lại giấy phép xây dựng", BUILDING_SECTOR, COMMUNE, 5, BUILDING_FORM,
         (declaration("Đơn đề nghị cấp lại giấy phép xây dựng"),), fee_note=COUNCIL_FEE,
         result="Giấy phép xây dựng (cấp lại)"),
    Spec("H12-BHYT-01", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", INSURANCE_SECTOR, COMMUNE, 5,
         CHILD_INSURANCE_FORM, (declaration("Tờ khai tham gia bảo hiểm y tế (TK1-TS)"),),
         fee=0, fee_note="Ngân sách nhà nước đóng", national=False, result="Thẻ bảo hiểm y tế",
         authority_name="Bảo hiểm xã hội cơ sở (liên thông qua Ủy ban nhân dân cấp xã)",
         legal_basis="Luật Bảo hiểm y tế"),
    Spec("H12-DD-01", "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất, quyền "
         "sở hữu tài sản gắn liền với đất lần đầu", LAND_SECTOR, COMMUNE, 20, LAND_FORM,
         (declaration("Đơn đăng ký đất đai, tài sản gắn liền với đất (Mẫu 04/ĐK)"),
          DocumentSpec("Giấy tờ về quyền sử dụng đất (nếu có)", COPY, mandatory=False),
          DocumentSpec("Chứng từ thực hiện nghĩa vụ tài chính (nếu có)", COPY, mandatory=False)),
         online=PARTIAL, fee_note=COUNCIL_FEE, national=False,
         result="Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
         legal_basis="Luật Đất đai 2024; Nghị định 101/2024/NĐ-CP"),
    Spec("H12-LLTP-01", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
         "Việt Nam", RECORD_SECTOR, PROVINCE, 10, RECORD_FORM,
         (declaration("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"), IDENTITY_DOC,
          DocumentSpec("Giấy tờ chứng minh thuộc trường hợp được miễn, giảm phí (nếu có)", COPY,
                       mandatory=False)),
         fee=200000, fee_note="200.000 đồng/lần; sinh viên, người có công: 100.000 đồng; từ phiếu thứ 3: "
         "5.000 đồng/phiếu", agency="15", national=False, result="Phiếu lý lịch tư pháp",
         legal_basis="Luật Lý lịch tư pháp 2009"),
    Spec("H12-LLTP-02", "Cấp Phiếu lý lịch tư pháp theo yêu cầu của cơ quan nhà nước, tổ chức chính trị, tổ "
         "chức chính trị - xã hội", RECORD_SECTOR, PROVINCE, 10, RECORD_FORM,
         (DocumentSpec("Văn bản yêu cầu cấp Phiếu lý lịch tư pháp", ORIGINAL),), fee=0,
         fee_note="Không thu phí", agency="15", national=False, online=PARTIAL, result="Phiếu lý lịch tư pháp",
         legal_basis="Luật Lý lịch tư pháp 2009"),
    Spec("H12-XD-02", "Cấp giấy phép xây dựng mới đối với công trình cấp I, cấp II", BUILDING_SECTOR, PROVINCE,
         20, BUILDING_FORM,
         (declaration("Đơn đề nghị cấp giấy phép xây dựng"),
          DocumentSpec("Giấy tờ chứng minh quyền sử dụng đất", COPY, reusable_from=STORE),
          DocumentSpec("Hồ sơ thiết kế xây dựng đã được thẩm định", ORIGINAL)),
         online=PARTIAL, fee_note=COUNCIL_FEE, agency="16", national=False, result="Giấy phép xây dựng",
         legal_basis="Luật Xây dựng 2014 (sửa đổi 2020)"),
    Spec("H12-DD-02", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển "
         "nhượng, tặng cho, thừa kế", LAND_SECTOR, PROVINCE, 10, LAND_FORM,
         (declaration("Đơn đăng ký biến động đất đai (Mẫu 11/ĐK)"),
          DocumentSpec("Hợp đồng, văn bản về chuyển quyền đã công chứng, chứng thực", ORIGINAL),
          DocumentSpec("Giấy chứng nhận đã cấp", ORIGINAL, reusable_from=STORE)),
         online=PARTIAL, fee_note=COUNCIL_FEE, agency="17", national=False,
         result="Giấy chứng nhận hoặc xác nhận biến động trên Giấy chứng nhận",
         legal_basis="Luật Đất đai 2024; Nghị định 101/2024/NĐ-CP"),
    Spec("H12-DN-01", "Đăng ký thành lập doanh nghiệp tư nhân", ENTERPRISE_SECTOR, PROVINCE, 3, BUSINESS_FORM,
         (declaration("Giấy đề nghị đăng ký doanh nghiệp"), IDENTITY_DOC), fee=50000,
         fee_note="50.000 đồng; miễn khi đăng ký qua mạng", agency="18", national=False,
         result="Giấy chứng nhận đăng ký doanh nghiệp", legal_basis="Luật Doanh nghiệp 2020"),
)  # fmt: skip

BIRTH_BUNDLE = (
    "LT-KHAISINH",
    "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    ["1.001193", "1.004222", "H12-BHYT-01"],
)

# (share of the legal time in tenths, role, where, name at province level, name at commune level)
STEP_PLAN = (
    (1, Role.RECEPTIONIST, ProcessStep.UnitKind.RECEIVING, "Tiếp nhận, kiểm tra hồ sơ"),
    (6, Role.SPECIALIST, ProcessStep.UnitKind.AUTHORITY, "Thẩm định hồ sơ, dự thảo kết quả"),
    (2, Role.UNIT_LEADER, ProcessStep.UnitKind.AUTHORITY, "Lãnh đạo xem xét, ký kết quả"),
    (1, Role.RECEPTIONIST, ProcessStep.UnitKind.RECEIVING, "Trả kết quả"),
)
CENT = Decimal("0.01")


def step_plan(legal_hours: Decimal) -> list[StepSpec]:
    """The usual four steps, the handling step taking what rounding leaves so the sum is exact."""
    hours = [(legal_hours * share / 10).quantize(CENT, ROUND_HALF_UP) for share, *_ in STEP_PLAN]
    hours[1] = legal_hours - hours[0] - hours[2] - hours[3]
    return [
        StepSpec(name=name, name_en=STEP_NAMES_EN.get(name, ""), role=role, unit_kind=kind, hours=amount)
        for (_, role, kind, name), amount in zip(STEP_PLAN, hours, strict=True)
    ]


def publish(spec: Spec) -> Procedure:
    portal = settings.TINHSO_PROVINCE
    authority = core_selectors.unit_by_code(f"000.00.{spec.agency}.{portal}") if spec.agency else None
    legal_hours = Procedure(processing_days=spec.days).legal_hours
    return services.publish_procedure(
        actor=None,
        code=spec.code,
        code_is_national=spec.national,
        name=spec.name,
        sector=spec.sector,
        level=spec.level,
        authority=authority,
        authority_name=spec.authority_name or (authority.name if authority else COMMITTEE),
        online_level=spec.online,
        form_schema=spec.schema,
        documents=list(spec.documents),
        steps=step_plan(legal_hours),
        processing_days=spec.days,
        cutoff_time=spec.cutoff,
        fee=None if spec.fee is None else Decimal(spec.fee),
        fee_note=spec.fee_note,
        result_name=spec.result,
        legal_basis=spec.legal_basis,
    )


# Officials of Phường An Xuyên's committee, so commune procedures can be run end to end in the demo.
COMMUNE_OFFICIALS = (
    ("motcua.anxuyen", "Huỳnh Thị Diễm", Role.RECEPTIONIST),
    ("tuphap.anxuyen", "Đoàn Văn Lợi", Role.SPECIALIST),
    ("chutich.anxuyen", "Châu Minh Quân", Role.UNIT_LEADER),
)
COMMUNE_AGENCY = "32002"


@transaction.atomic
def load_demo(*, with_accounts: bool) -> list[str]:
    """Publishes the demo procedures not yet in the catalog and the birth bundle."""
    known = set(Procedure.objects.values_list("code", flat=True))
    for spec in PROCEDURES:
        if spec.code not in known:
            publish(spec)
    code, name, procedure_codes = BIRTH_BUNDLE
    services.define_bundle(actor=None, code=code, name=name, procedure_codes=procedure_codes)
    if not with_accounts:
        return []
    agency = f"{COMMUNE_AGENCY}.{settings.TINHSO_PROVINCE}"
    unit_name = core_selectors.unit_by_code(agency).name
    lines = []
    for username, full_name, role in COMMUNE_OFFICIALS:
        if not User.objects.filter(username=username).exists():
            core_services.create_official(
                actor=None,
                username=username,
                full_name=full_name,
                password=DEMO_PASSWORD,
                roles=[(role, agency)],
                demo=True,
            )
        lines.append(f"{username:<16} {DEMO_PASSWORD}  {Role(role).label}, {unit_name}")
    return lines
