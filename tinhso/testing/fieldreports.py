"""Fixtures of field-report tests: a few real categories and the officials who handle them.

Registered for every app's tests by the root conftest.py."""

import pytest

from tinhso.core.models import Domain, Role
from tinhso.fieldreports import services
from tinhso.fieldreports.models import Category, RoutingRule
from tinhso.testing.factories import CONSTRUCTION, citizen, official
from tinhso.testing.fieldreport_helpers import (
    AN_XUYEN_COMMITTEE,
    CITIZEN_ID,
    REPORTER_PHONE,
    TAN_THANH_COMMITTEE,
    case,
    file_report,
    jpeg_with_gps,
)


@pytest.fixture
def categories(db) -> dict[str, Category]:
    made = {}
    services.create_category(actor=None, code="ha-tang", name="Hạ tầng đô thị")
    services.create_category(actor=None, code="giao-thong", name="Giao thông")
    for code, name, group, urgency, days, hours in (
        ("ha-tang-o-ga", "Đường hư hỏng, ổ gà", "ha-tang", Category.Urgency.IMMEDIATE, 3, None),
        ("ha-tang-nap-cong", "Mất nắp cống, hố ga hở", "ha-tang", Category.Urgency.URGENT, None, 4),
        ("ha-tang-den", "Đèn chiếu sáng hư hỏng", "ha-tang", Category.Urgency.IMMEDIATE, 3, None),
        (
            "giao-thong-tin-hieu",
            "Đèn tín hiệu giao thông hư hỏng",
            "giao-thong",
            Category.Urgency.URGENT,
            1,
            None,
        ),
        ("khac-thai-do", "Thái độ của cán bộ", "ha-tang", Category.Urgency.SCHEDULED, 10, None),
    ):
        made[code] = services.create_category(
            actor=None,
            code=code,
            name=name,
            parent_code=group,
            urgency=urgency,
            deadline_days=days,
            deadline_hours=hours,
        )
    services.add_category_attribute(
        actor=None,
        category=made["ha-tang-o-ga"],
        code="muc-do",
        datatype="singlevaluelist",
        description="Mức độ hư hỏng",
        required=True,
        values=[("nho", "Nhỏ"), ("lon", "Lớn, nguy hiểm")],
    )
    services.add_routing_rule(
        actor=None, target=RoutingRule.Target.FIXED_UNIT, category_code="giao-thong", unit_code=CONSTRUCTION
    )
    return made


@pytest.fixture
def staff(db) -> dict:
    """The province's coordinator, and the An Xuyên committee's specialist and leader."""
    return {
        "coordinator": official("dieuphoi", (Role.SPECIALIST, "96", Domain.FIELD_REPORTS)),
        "handler": official("xulyxa", (Role.SPECIALIST, AN_XUYEN_COMMITTEE, Domain.FIELD_REPORTS)),
        "leader": official("lanhdaoxa", (Role.UNIT_LEADER, AN_XUYEN_COMMITTEE)),
        "other_handler": official(
            "xulytanthanh", (Role.SPECIALIST, TAN_THANH_COMMITTEE, Domain.FIELD_REPORTS)
        ),
    }


@pytest.fixture
def reports_in_every_state(categories, staff) -> list:
    person = citizen(CITIZEN_ID)
    routed = file_report(reporter=person, photos=[jpeg_with_gps()])
    acknowledged = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    resolved = services.post_result(
        actor=staff["handler"],
        **case(services.acknowledge_report(actor=staff["handler"], **case(file_report()))),
        result="Đã xử lý.",
    )
    published = services.approve_result(
        actor=staff["coordinator"],
        **case(
            services.post_result(
                actor=staff["handler"],
                **case(services.acknowledge_report(actor=staff["handler"], **case(file_report()))),
                result="Xong.",
            )
        ),
    )
    reopened = services.rate_report(actor=None, **case(published), contact=REPORTER_PHONE, satisfied=False)
    rejected = services.reject_report(
        actor=staff["coordinator"], **case(file_report()), reason="Không rõ vị trí."
    )
    merged = services.merge_reports(
        actor=staff["coordinator"], **case(file_report()), into=routed.tracking_code
    )
    return [routed, acknowledged, resolved, reopened, rejected, merged]
