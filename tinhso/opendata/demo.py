"""Open data in the demo: publishing agencies and their data officers, datasets uploaded as agencies would
(one held back by the personal-data guard), the platform's own datasets refreshed from the demo's history, and
the register of shared databases with a request awaiting its answer."""

import io

from django.utils import timezone

from tinhso.core import selectors as core_selectors
from tinhso.core import services as core_services
from tinhso.core.models import Domain, Role, User
from tinhso.core.production import DEMO_PASSWORD
from tinhso.opendata import platform, services
from tinhso.opendata.models import AccessRequest, Dataset, State

EDUCATION, HEALTH, ENVIRONMENT, JUSTICE = "000.00.20.H12", "000.00.19.H12", "000.00.17.H12", "000.00.15.H12"
PUBLISHERS = ((EDUCATION, "so-giao-duc-dao-tao"), (HEALTH, "so-y-te"), (ENVIRONMENT, "so-nong-nghiep-moi-truong"),
              (JUSTICE, "so-tu-phap"))  # fmt: skip
OFFICERS = (
    ("dulieu", "Phan Thanh Tâm", Role.SPECIALIST, EDUCATION),
    ("lanhdaogd", "Hồ Thị Diễm", Role.UNIT_LEADER, EDUCATION),
)
SCHOOLS = """Tên trường,Cấp học,Xã phường,Số lớp,Số học sinh,Năm thành lập
Trường THPT Chuyên Phan Ngọc Hiển,THPT,Phường An Xuyên,36,1250,1990
Trường THPT Cà Mau,THPT,Phường Tân Thành,42,1680,1976
Trường THPT Hồ Thị Kỷ,THPT,Xã Thới Bình,30,1105,1979
Trường THPT Đầm Dơi,THPT,Xã Đầm Dơi,33,1210,1978
Trường THPT Cái Nước,THPT,Xã Cái Nước,31,1180,1977
Trường THCS Nguyễn Thị Minh Khai,THCS,Phường An Xuyên,28,1090,1985
Trường THCS Võ Thị Sáu,THCS,Phường Tân Thành,24,905,1983
Trường THCS Tân Lộc,THCS,Xã Tân Lộc,14,480,1992
Trường Tiểu học Lý Tự Trọng,Tiểu học,Phường An Xuyên,30,1020,1980
Trường Tiểu học Đầm Dơi 1,Tiểu học,Xã Đầm Dơi,22,690,N/A
Trường Tiểu học Năm Căn,Tiểu học,Xã Năm Căn,25,760,1984
Trường Mầm non Hoa Hồng,Mầm non,Phường Tân Thành,12,360,1995
"""
HOSPITALS = """Tên cơ sở,Loại hình,Xã phường,Số giường bệnh,Số bác sĩ
Bệnh viện Đa khoa tỉnh Cà Mau,Bệnh viện,Phường An Xuyên,1000,245
Bệnh viện Sản - Nhi Cà Mau,Bệnh viện,Phường Tân Thành,500,98
Bệnh viện Lao và Bệnh phổi Cà Mau,Bệnh viện,Phường Lý Văn Lâm,200,35
Trung tâm Y tế Đầm Dơi,Trung tâm y tế,Xã Đầm Dơi,260,41
Trung tâm Y tế Năm Căn,Trung tâm y tế,Xã Năm Căn,180,29
Trung tâm Y tế Trần Văn Thời,Trung tâm y tế,Xã Trần Văn Thời,240,38
"""
WATER = """Điểm quan trắc,Xã phường,Ngày lấy mẫu,pH,DO (mg/l),COD (mg/l)
Sông Gành Hào - cầu Gành Hào,Xã Gành Hào,15/10/2026,7.4,5.1,14
Sông Ông Đốc - thị trấn Sông Đốc,Xã Sông Đốc,15/10/2026,7.6,4.8,16
Kênh Xáng Phụng Hiệp,Phường An Xuyên,16/10/2026,7.1,3.9,22
Sông Bảy Háp - cầu Cái Nước,Xã Cái Nước,16/10/2026,7.3,4.6,18
Sông Cửa Lớn - Năm Căn,Xã Năm Căn,17/10/2026,7.8,5.4,12
"""
CANDIDATES = """Họ tên,Ngày sinh,Số điện thoại,Xã phường
Nguyễn Văn Bình,12/03/1990,0918234567,Phường An Xuyên
Trần Thị Lan,05/07/1992,0945111222,Xã Tân Lộc
"""


def _officers() -> list[str]:
    lines = []
    for username, full_name, role, unit in OFFICERS:
        if not User.objects.filter(username=username).exists():
            core_services.create_official(actor=None, username=username, full_name=full_name, password=DEMO_PASSWORD,
                                          roles=[(role, unit, Domain.OPEN_DATA)], demo=True)  # fmt: skip
        lines.append(
            f"{username:<12} {DEMO_PASSWORD}  {Role(role).label} (dữ liệu mở), {core_selectors.unit_by_code(unit).name}"
        )
    return lines


def _uploaded(name: str, table: str, *, publish: bool = True, **fields: object) -> None:
    if Dataset.objects.filter(name=name).exists():
        return
    dataset = services.create_dataset(actor=None, name=name, **fields)  # type: ignore[arg-type]
    content = table.encode("utf-8")
    version = services.add_version(actor=None, dataset_id=dataset.pk, content=io.BytesIO(content),
                                   filename=f"{name}.csv", size=len(content), name=str(fields["title"]))  # fmt: skip
    services.run_load(job_id=version.job.pk)
    services.act(actor=None, dataset_id=dataset.pk, version=None, action="submit")
    if publish:
        services.act(actor=None, dataset_id=dataset.pk, version=None, action="publish")


def _register() -> None:
    services.register_shared_database(
        actor=None, code="csdl-ho-tich", name="Cơ sở dữ liệu hộ tịch điện tử", owner=JUSTICE, classification="shared",
        legal_basis="Luật Hộ tịch 2014; Nghị định 87/2020/NĐ-CP",
    )  # fmt: skip
    services.register_shared_service(actor=None, database="csdl-ho-tich", code="tra-cuu-khai-sinh",
                                     name="Tra cứu thông tin khai sinh", scopes=["doc"])  # fmt: skip
    services.register_shared_database(
        actor=None, code="csdl-dat-dai", name="Cơ sở dữ liệu đất đai", owner=ENVIRONMENT, classification="important",
        legal_basis="Luật Đất đai 2024, Điều 164",
    )  # fmt: skip
    services.register_shared_service(actor=None, database="csdl-dat-dai", code="tra-cuu-thua-dat",
                                     name="Tra cứu thông tin thửa đất", scopes=["doc", "thong-ke"])  # fmt: skip
    officer = User.objects.get(username="dulieu")
    if not AccessRequest.objects.exists():
        services.request_access(actor=officer, service="tra-cuu-khai-sinh", requester=EDUCATION,
                                purpose="Đối chiếu ngày sinh học sinh khi tuyển sinh đầu cấp",
                                legal_basis="Nghị định 87/2020/NĐ-CP, Điều 13", scopes=["doc"])  # fmt: skip


def load_demo(*, with_accounts: bool) -> list[str]:
    for unit, name in PUBLISHERS:
        services.register_organization(actor=None, unit_code=unit, name=name)
    _uploaded("truong-hoc", SCHOOLS, organization="so-giao-duc-dao-tao", title="Danh sách trường học",
              notes="Các trường mầm non, tiểu học, trung học trên địa bàn tỉnh, năm học 2026-2027.",
              theme="giao-duc", frequency="ANNUAL", tags=["giáo dục", "trường học"], contact_name="Văn phòng Sở",
              contact_email="vanphong.sgddt@camau.gov.vn")  # fmt: skip
    _uploaded("co-so-y-te", HOSPITALS, organization="so-y-te", title="Cơ sở khám bệnh, chữa bệnh công lập",
              theme="y-te", frequency="ANNUAL", tags=["y tế", "bệnh viện"])  # fmt: skip
    _uploaded("chat-luong-nuoc-mat", WATER, organization="so-nong-nghiep-moi-truong",
              title="Quan trắc chất lượng nước mặt", theme="moi-truong", frequency="MONTHLY",
              tags=["môi trường", "quan trắc"], temporal_start=timezone.localdate().replace(day=1))  # fmt: skip
    _uploaded("thi-sinh-tuyen-sinh-10", CANDIDATES, publish=False, organization="so-giao-duc-dao-tao",
              title="Thí sinh dự tuyển lớp 10", theme="giao-duc", frequency="ANNUAL")  # fmt: skip
    lines = _officers() if with_accounts else []
    if with_accounts:
        _register()
    platform.refresh_all()
    published = Dataset.objects.filter(state=State.PUBLISHED).count()
    return [
        *lines,
        f"dữ liệu mở: {published} bộ dữ liệu đã công bố tại /du-lieu-mo/, API CKAN /api/3/action/",
    ]
