"""The province's monthly socio-economic report (báo cáo tình hình kinh tế - xã hội hằng tháng): its
indicators, form, rules and regime, defined through the services (used by the demo and the tests)."""

from django.conf import settings

from tinhso.core.models import User
from tinhso.reporting import services

REGIME = "KTXH-THANG"
FORM = "01/KTXH-T"
# (code, parent code, name, unit of measure, aggregation, source/derivation, value kinds, decimals, owner agency no.)
INDICATORS = (
    ("IIP", "0801", "Chỉ số sản xuất công nghiệp (IIP)", "%", "none", "", ["period", "pct_yoy"], 2, "18"),
    (
        "BLHH",
        "1001",
        "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng",
        "tỷ đồng",
        "sum",
        "",
        ["period", "ytd", "pct_prev", "pct_yoy", "pct_plan"],
        1,
        "18",
    ),
    (
        "THUNS",
        "1601",
        "Thu ngân sách nhà nước trên địa bàn",
        "tỷ đồng",
        "sum",
        "",
        ["period", "ytd", "pct_yoy", "pct_plan"],
        1,
        "18",
    ),
    ("CPI", "1101", "Chỉ số giá tiêu dùng (CPI) so với tháng trước", "%", "avg", "", ["period"], 2, "18"),
    (
        "DNMOI",
        "0501",
        "Số doanh nghiệp thành lập mới",
        "doanh nghiệp",
        "sum",
        "",
        ["period", "ytd", "pct_yoy"],
        0,
        "18",
    ),
    (
        "HSTN",
        "",
        "Hồ sơ thủ tục hành chính tiếp nhận",
        "hồ sơ",
        "sum",
        "dossiers_received",
        ["period", "ytd"],
        0,
        "01",
    ),
    (
        "HSTT",
        "",
        "Hồ sơ tiếp nhận trực tuyến",
        "hồ sơ",
        "sum",
        "dossiers_received_online",
        ["period", "ytd"],
        0,
        "01",
    ),
    (
        "HSDH",
        "",
        "Hồ sơ giải quyết đúng hạn",
        "hồ sơ",
        "sum",
        "dossiers_resolved_on_time",
        ["period", "ytd"],
        0,
        "01",
    ),
    (
        "PAHT",
        "",
        "Phản ánh hiện trường tiếp nhận",
        "phản ánh",
        "sum",
        "reports_received",
        ["period", "ytd"],
        0,
        "01",
    ),
)
SECTIONS = {"IIP": "I. Sản xuất công nghiệp", "BLHH": "II. Thương mại, dịch vụ", "THUNS": "III. Tài chính",
            "CPI": "IV. Giá cả", "DNMOI": "V. Doanh nghiệp", "HSTN": "VI. Cải cách hành chính"}  # fmt: skip
OUTLINE = [
    {"code": "1", "title": "Tình hình kinh tế - xã hội trong tháng"},
    {"code": "2", "title": "Tồn tại, hạn chế và nguyên nhân"},
    {"code": "3", "title": "Nhiệm vụ, giải pháp tháng tới"},
]


def agency(number: str) -> str:
    return f"000.00.{number}.{settings.TINHSO_PROVINCE}"


def define_monthly_report(
    *, actor: User | None = None, reporters: list[str], activate: bool = True, expiry_days: int = 10
) -> None:
    for code, parent, name, unit, aggregation, derivation, kinds, decimals, owner in INDICATORS:
        services.define_indicator(
            actor=actor, code=code, parent_code=parent, name=name, unit_of_measure=unit, aggregation=aggregation,
            source="platform" if derivation else "entered", derivation=derivation, value_kinds=kinds,
            decimals=decimals, owner=agency(owner), minimum=0 if code not in ("CPI",) else None,
        )  # fmt: skip
    services.define_regime(
        actor=actor,
        code=REGIME,
        reporters=reporters,
        title="Báo cáo tình hình kinh tế - xã hội hằng tháng",
        kind="periodic",
        content="Số liệu và đánh giá tình hình kinh tế - xã hội, cải cách hành chính trong tháng",
        recipient=settings.TINHSO_PROVINCE_GSO_CODE,
        channels=["system", "e-mail"],
        cutoff_mode="decree09",
        frequency="M",
        deadline_rules=[
            {"level": "Sở, ngành, xã", "kind": "working_days", "value": 2},
            {"level": "Ủy ban nhân dân tỉnh", "kind": "day_of_month", "value": 25},
        ],
        outline=OUTLINE,
        procedure_guide="Đơn vị nhập số liệu trên hệ thống, giải trình chênh lệch, gửi Văn phòng UBND tỉnh.",
        legal_basis="Nghị định 09/2019/NĐ-CP ngày 24/01/2019 của Chính phủ",
        expiry_days=expiry_days,
    )
    rows = [(SECTIONS.get(code, ""), code) for code, *_rest in INDICATORS]
    services.define_form(
        actor=actor, regime_code=REGIME, code=FORM, title="Biểu số liệu kinh tế - xã hội", rows=rows
    )
    services.define_rule(actor=actor, regime_code=REGIME, code="R01", name="Hồ sơ trực tuyến không vượt tổng hồ sơ",
                         left="#{HSTT}", operator="<=", right="#{HSTN}", importance="high")  # fmt: skip
    services.define_rule(actor=actor, regime_code=REGIME, code="R02", name="Hồ sơ đúng hạn không vượt tổng hồ sơ",
                         left="#{HSDH}", operator="<=", right="#{HSTN}", importance="medium")  # fmt: skip
    if activate:
        services.activate_regime(actor=actor, code=REGIME)
