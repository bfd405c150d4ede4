"""Demo data of field reports: categories as Huế and Đà Nẵng run them, routing, and reports in Cà Mau."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tinhso.core import services as core_services
from tinhso.core.models import Domain, Role, User
from tinhso.core.production import DEMO_PASSWORD
from tinhso.fieldreports import services
from tinhso.fieldreports.models import Category, Report, RoutingRule
from tinhso.fieldreports.names import CATEGORY_NAMES_EN

URGENT, SOON, LATER = Category.Urgency.URGENT, Category.Urgency.IMMEDIATE, Category.Urgency.SCHEDULED
# (group code, group name, [(code, name, urgency, days, hours, keywords)]); the immediate-handling kinds
# of Decision 960/QĐ-UBND (Đà Nẵng) within 3 working days, urgent ones within 1.
CategorySpec = tuple[str, str, str, int | None, int | None, str]
CATEGORIES: tuple[tuple[str, str, list[CategorySpec]], ...] = (
    (
        "ha-tang",
        "Hạ tầng đô thị",
        [
            ("ha-tang-o-ga", "Đường hư hỏng, ổ gà, sụt lún", SOON, 3, None, "ổ gà, sụt lún, mặt đường"),
            ("ha-tang-den", "Đèn chiếu sáng công cộng hư hỏng", SOON, 3, None, "đèn đường, chiếu sáng"),
            ("ha-tang-nap-cong", "Mất nắp cống, hố ga hở", URGENT, None, 4, "nắp cống, hố ga"),
            ("ha-tang-cay-xanh", "Cây xanh gãy đổ, có nguy cơ ngã", URGENT, 1, None, "cây xanh, gãy cành"),
            ("ha-tang-ngap", "Ngập nước, tắc cống thoát nước", SOON, 3, None, "ngập, thoát nước"),
        ],
    ),
    (
        "moi-truong",
        "Vệ sinh môi trường",
        [
            ("moi-truong-rac", "Rác thải không được thu gom", SOON, 2, None, "rác, thu gom"),
            ("moi-truong-xa-thai", "Xả nước thải, khí thải gây ô nhiễm", SOON, 3, None, "nước thải, mùi hôi"),
            ("moi-truong-phe-thai", "Đổ trộm phế thải, xà bần", SOON, 3, None, "xà bần, phế thải"),
            ("moi-truong-xac-dong-vat", "Xác động vật chết nơi công cộng", URGENT, 1, None, "xác động vật"),
        ],
    ),
    (
        "an-ninh",
        "An ninh, trật tự",
        [
            ("an-ninh-gay-roi", "Tụ tập gây rối, đánh nhau", URGENT, None, 2, "gây rối, đánh nhau"),
            ("an-ninh-tieng-on", "Tiếng ồn, hát karaoke quá giờ", SOON, 1, None, "karaoke, tiếng ồn"),
        ],
    ),
    (
        "trat-tu-do-thi",
        "Trật tự đô thị",
        [
            ("trat-tu-lan-chiem", "Lấn chiếm vỉa hè, lòng đường", SOON, 3, None, "vỉa hè, lấn chiếm"),
            ("trat-tu-xay-dung", "Xây dựng không phép, sai phép", SOON, 3, None, "xây dựng trái phép"),
            ("trat-tu-quang-cao", "Quảng cáo, rao vặt sai quy định", SOON, 3, None, "quảng cáo, rao vặt"),
        ],
    ),
    (
        "giao-thong-de-ke",
        "Giao thông, đê kè",
        [
            (
                "giao-thong-tin-hieu",
                "Đèn tín hiệu, biển báo giao thông hư hỏng",
                URGENT,
                1,
                None,
                "đèn giao thông",
            ),
            ("de-ke-sat-lo", "Sạt lở bờ sông, bờ biển, đê kè", URGENT, 1, None, "sạt lở, bờ kè"),
        ],
    ),
    (
        "khac",
        "Dịch vụ công và vấn đề khác",
        [
            ("khac-an-toan-thuc-pham", "An toàn thực phẩm", LATER, 5, None, "thực phẩm, quán ăn"),
            ("khac-thai-do", "Thái độ, tác phong của cán bộ", LATER, 10, None, "cán bộ, thái độ"),
            ("khac-khac", "Vấn đề khác", LATER, 10, None, ""),
        ],
    ),
)

# (category, agency number under the province) for kinds a provincial agency handles everywhere.
FIXED_ROUTES = (
    ("giao-thong-tin-hieu", "16"),  # Sở Xây dựng
    ("de-ke-sat-lo", "17"),  # Sở Nông nghiệp và Môi trường
    ("khac-an-toan-thuc-pham", "19"),  # Sở Y tế
    ("an-ninh", "21"),  # Công an tỉnh
)

AN_XUYEN = "32002"
# (username, full name, role, unit code or "province"), each held for field reports only
DEMO_OFFICIALS = (
    ("dieuphoi", "Trần Quốc Việt", Role.SPECIALIST, "province"),
    ("xulyxa", "Nguyễn Thị Thanh Thảo", Role.SPECIALIST, f"{AN_XUYEN}.{{portal}}"),
    ("lanhdaoxa", "Phan Văn Lực", Role.UNIT_LEADER, f"{AN_XUYEN}.{{portal}}"),
)

# (days ago, category, commune, latitude, longitude, address, description, contact phone)
DEMO_REPORTS = (
    (
        18,
        "ha-tang-o-ga",
        AN_XUYEN,
        9.22391,
        105.17722,
        "Đường Lý Thường Kiệt, Khóm 3",
        "Ổ gà rộng khoảng 1 m, sâu 15 cm trước cổng Trường Tiểu học; xe máy đi tối dễ té ngã.",
        "0918234567",
    ),
    (
        17,
        "ha-tang-o-ga",
        AN_XUYEN,
        9.22410,
        105.17735,
        "Đường Lý Thường Kiệt",
        "Mặt đường bị sụt lún thành hố lớn gần trường học, nước đọng sau mưa.",
        "0939112233",
    ),
    (
        12,
        "ha-tang-den",
        "32025",
        9.18702,
        105.21695,
        "Đường Nguyễn Tất Thành",
        "Ba trụ đèn đường liên tiếp không sáng đã một tuần, đoạn đường rất tối.",
        "0945678123",
    ),
    (
        9,
        "moi-truong-rac",
        "32014",
        9.16441,
        105.12533,
        "Khu vực chợ Tắc Vân",
        "Rác tồn đọng ở góc chợ ba ngày chưa được thu gom, bốc mùi hôi.",
        "0913456789",
    ),
    (
        8,
        "trat-tu-lan-chiem",
        "31825",
        9.28981,
        105.71182,
        "Đường Hai Bà Trưng",
        "Quán cà phê bày bàn ghế kín vỉa hè, người đi bộ phải đi xuống lòng đường.",
        "0907123456",
    ),
    (
        6,
        "de-ke-sat-lo",
        "32248",
        8.63790,
        104.81950,
        "Bờ kè ven biển Khu du lịch Mũi Cà Mau",
        "Bờ kè bị sạt lở khoảng 20 m sau đợt triều cường, đất lở lấn vào lối đi.",
        "0888555777",
    ),
    (
        5,
        "ha-tang-ngap",
        "32041",
        9.13050,
        105.20571,
        "Đường Quản Lộ – Phụng Hiệp, đoạn qua Khóm 5",
        "Mưa chiều nay làm đường ngập khoảng 30 cm, miệng cống bị rác bít kín.",
        "0916789012",
    ),
    (
        4,
        "an-ninh-tieng-on",
        "32065",
        9.34021,
        105.11622,
        "Ấp Xóm Mới",
        "Một hộ dân hát karaoke với loa công suất lớn đến hơn 23 giờ nhiều đêm liền.",
        "0942223344",
    ),
    (
        3,
        "moi-truong-xa-thai",
        "32098",
        9.02510,
        104.85640,
        "Bờ sông Ông Đốc, Khóm 9",
        "Cơ sở chế biến hải sản xả nước thải chưa xử lý thẳng ra sông, mùi hôi nồng nặc.",
        "0977345678",
    ),
    (
        2,
        "ha-tang-cay-xanh",
        "31942",
        9.27463,
        105.40932,
        "Quốc lộ 1A, trước chợ Giá Rai",
        "Cây dầu lớn bên đường nghiêng hẳn ra lòng đường sau cơn giông, có nguy cơ ngã.",
        "0919876543",
    ),
    (
        1,
        "giao-thong-tin-hieu",
        "32025",
        9.18655,
        105.21770,
        "Ngã tư Nguyễn Tất Thành – Lý Thường Kiệt",
        "Đèn tín hiệu giao thông chỉ nhấp nháy vàng từ sáng, xe cộ qua ngã tư rất lộn xộn.",
        "0903998877",
    ),
    (
        1,
        "khac-an-toan-thuc-pham",
        "31840",
        9.24870,
        105.77080,
        "Khu ăn uống đường Trần Phú",
        "Quán chiên rán dùng dầu ăn đen đặc, nghi dùng lại nhiều lần.",
        "0932456780",
    ),
    (
        0,
        "moi-truong-phe-thai",
        "32191",
        8.80977,
        105.03598,
        "Đường vào Khóm 2, thị trấn Năm Căn cũ",
        "Xà bần và gạch vụn bị đổ trộm ven đường, lấn gần nửa mặt đường.",
        "0886123450",
    ),
)


def _load_categories() -> None:
    for order, (group_code, group_name, children) in enumerate(CATEGORIES):
        services.create_category(
            actor=None, code=group_code, name=group_name, name_en=CATEGORY_NAMES_EN[group_code], order=order
        )
        for child_order, (code, name, urgency, days, hours, keywords) in enumerate(children):
            services.create_category(
                actor=None,
                code=code,
                name=name,
                name_en=CATEGORY_NAMES_EN[code],
                parent_code=group_code,
                urgency=urgency,
                deadline_days=days,
                deadline_hours=hours,
                keywords=keywords,
                order=child_order,
            )
    pothole = Category.objects.get(code="ha-tang-o-ga")
    services.add_category_attribute(
        actor=None,
        category=pothole,
        code="muc-do",
        datatype="singlevaluelist",
        description="Mức độ hư hỏng",
        values=[
            ("nho", "Nhỏ, chưa cản trở giao thông"),
            ("vua", "Vừa, xe phải tránh"),
            ("lon", "Lớn, nguy hiểm"),
        ],
    )
    services.add_category_attribute(
        actor=None,
        category=Category.objects.get(code="ha-tang-den"),
        code="so-den-hong",
        datatype="number",
        description="Số bóng đèn không sáng",
    )
    portal = settings.TINHSO_PROVINCE
    for category_code, agency in FIXED_ROUTES:
        services.add_routing_rule(
            actor=None,
            target=RoutingRule.Target.FIXED_UNIT,
            category_code=category_code,
            unit_code=f"000.00.{agency}.{portal}",
        )


def _officials() -> dict[str, User]:
    portal = settings.TINHSO_PROVINCE
    accounts = {}
    for username, full_name, role, unit in DEMO_OFFICIALS:
        unit_code = settings.TINHSO_PROVINCE_GSO_CODE if unit == "province" else unit.format(portal=portal)
        user = User.objects.filter(username=username).first() or core_services.create_official(
            actor=None,
            username=username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            roles=[(role, unit_code, Domain.FIELD_REPORTS)],
            demo=True,
        )
        accounts[username] = user
    return accounts


def _file_reports() -> list[Report]:
    now = timezone.now()
    citizen = User.objects.filter(username="congdan").first()
    reports = []
    for index, (days_ago, category, _commune, lat, lon, address, description, phone) in enumerate(
        DEMO_REPORTS
    ):
        reports.append(
            services.submit_report(
                category_code=category,
                description=description,
                latitude=lat,
                longitude=lon,
                address=address,
                reporter=citizen if index == 0 else None,
                phone="" if index == 0 and citizen else phone,
                now=now - timedelta(days=days_ago, hours=index),
            )
        )
    return reports


def _handle(reports: list[Report], accounts: dict[str, User]) -> None:
    """Moves some demo reports along, so every state shows on the pages."""
    coordinator, handler = accounts["dieuphoi"], accounts["xulyxa"]
    pothole, duplicate, lamps, rubbish, pavement = reports[:5]
    pothole = services.acknowledge_report(
        actor=handler, tracking_code=pothole.tracking_code, version=pothole.version
    )
    pothole = services.post_result(
        actor=handler,
        tracking_code=pothole.tracking_code,
        version=pothole.version,
        result="Đã phối hợp đơn vị quản lý đường bộ vá ổ gà bằng bê tông nhựa, mặt đường đã êm thuận.",
    )
    pothole = services.approve_result(
        actor=coordinator, tracking_code=pothole.tracking_code, version=pothole.version
    )
    services.rate_report(
        actor=pothole.reporter,
        tracking_code=pothole.tracking_code,
        version=pothole.version,
        contact="0918234567",
        satisfied=True,
    )
    lamps = services.acknowledge_report(
        actor=coordinator, tracking_code=lamps.tracking_code, version=lamps.version
    )
    rubbish = services.acknowledge_report(
        actor=coordinator, tracking_code=rubbish.tracking_code, version=rubbish.version
    )
    services.post_result(
        actor=coordinator,
        tracking_code=rubbish.tracking_code,
        version=rubbish.version,
        result="Công ty công trình đô thị đã thu gom toàn bộ rác và bố trí thêm thùng rác tại góc chợ.",
    )
    services.reject_report(
        actor=coordinator,
        tracking_code=reports[7].tracking_code,
        version=reports[7].version,
        reason="Trùng với vụ việc Công an xã đã lập biên bản xử lý ngày hôm trước.",
    )
    del duplicate, pavement  # left waiting: the duplicate is suggested for merging on the coordinator's page


@transaction.atomic
def load_demo(*, with_accounts: bool) -> list[str]:
    """Loads categories, routing rules and a dozen reports; returns the lines to print (the demo accounts)."""
    if not Category.objects.exists():
        _load_categories()
    lines = []
    accounts = _officials() if with_accounts else {}
    if not Report.objects.exists():
        reports = _file_reports()
        if accounts:
            _handle(reports, accounts)
    for username, user in accounts.items():
        assignment = user.roles.select_related("unit").first()
        assert assignment is not None  # every demo official holds a role
        role, unit = Role(assignment.role).label, assignment.unit.name
        lines.append(f"{username:<12} {DEMO_PASSWORD}  {role}, {unit} – xử lý phản ánh hiện trường")
    return lines
