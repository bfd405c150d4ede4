"""The demo data: real categories and reports placed in the Cà Mau communes they name."""

import pytest

from tinhso.core import demo as core_demo
from tinhso.fieldreports import demo, selectors
from tinhso.fieldreports.models import Category, Report

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_with_reports_in_their_communes_and_in_several_states():
    core_demo.load_demo(with_accounts=True)
    lines = demo.load_demo(with_accounts=True)
    assert any(line.startswith("dieuphoi") for line in lines)
    demo.load_demo(with_accounts=True)
    assert Report.objects.count() == len(demo.DEMO_REPORTS) >= 12
    for _days, category, commune, lat, lon, *_rest in demo.DEMO_REPORTS:
        report = Report.objects.get(category__code=category, latitude=lat, longitude=lon)
        assert report.commune.code == commune
    statuses = set(Report.objects.values_list("status", flat=True))
    assert {"routed", "acknowledged", "resolved", "published", "rejected"} <= statuses
    first, second = Report.objects.filter(category__code="ha-tang-o-ga").order_by("submitted_at")
    assert selectors.duplicate_candidates(second) == [first]
    for category in Category.objects.filter(urgency=Category.Urgency.IMMEDIATE):
        assert category.deadline_days <= 3


def test_without_demo_accounts_the_reports_are_filed_and_routed_only():
    core_demo.load_demo(with_accounts=False)
    assert demo.load_demo(with_accounts=False) == []
    assert set(Report.objects.values_list("status", flat=True)) == {"routed"}
