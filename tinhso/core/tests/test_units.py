"""Administrative units: the 2025 map, the demo province's agencies, and the tree under any unit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.core import selectors, services
from tinhso.core.errors import NotFound
from tinhso.core.models import AdminUnit
from tinhso.testing.factories import AN_XUYEN, CENTRE, JUSTICE

pytestmark = pytest.mark.django_db


def test_all_provinces_and_communes_are_loaded_with_codes_and_centres():
    assert AdminUnit.objects.filter(kind=AdminUnit.Kind.PROVINCE).count() == 34
    assert AdminUnit.objects.filter(kind=AdminUnit.Kind.COMMUNE).count() == 3321
    ca_mau = selectors.unit_by_code("96")
    assert ca_mau.name == "Tỉnh Cà Mau"
    assert ca_mau.latitude == pytest.approx(9.1362)
    an_xuyen = selectors.unit_by_code(AN_XUYEN)
    assert (an_xuyen.name, an_xuyen.category, an_xuyen.parent) == ("Phường An Xuyên", "Phường", ca_mau)
    assert an_xuyen.latitude and an_xuyen.area_km2


def test_importing_again_changes_nothing():
    before = AdminUnit.objects.count()
    services.import_admin_units()
    assert AdminUnit.objects.count() == before


def test_the_demo_province_has_its_agencies_and_a_committee_per_commune():
    names = set(
        AdminUnit.objects.filter(parent__code="96").exclude(kind="commune").values_list("name", flat=True)
    )
    assert names == {
        "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
        "Sở Tư pháp tỉnh Cà Mau",
        "Sở Xây dựng tỉnh Cà Mau",
        "Sở Nông nghiệp và Môi trường tỉnh Cà Mau",
        "Sở Tài chính tỉnh Cà Mau",
        "Sở Y tế tỉnh Cà Mau",
        "Sở Giáo dục và Đào tạo tỉnh Cà Mau",
        "Công an tỉnh Cà Mau",
    }
    communes = AdminUnit.objects.filter(parent__code="96", kind=AdminUnit.Kind.COMMUNE).count()
    committees = AdminUnit.objects.filter(parent__parent__code="96", category="UBND")
    assert communes == committees.count() == 64
    assert committees.get(parent__code=AN_XUYEN).name == "Ủy ban nhân dân phường An Xuyên"
    receiving = AdminUnit.objects.filter(path__startswith="96/").exclude(agency_code=None)
    assert all(unit.agency_code.endswith(".H12") for unit in receiving)
    assert selectors.unit_by_code(CENTRE).kind == AdminUnit.Kind.SERVICE_CENTRE


def test_every_unit_under_any_unit_at_any_depth_comes_from_one_query():
    committee = AdminUnit.objects.get(parent__code=AN_XUYEN, category="UBND")
    desk = services.create_agency(
        actor=None, parent=committee, agency_code="32002.01.H12", name="Bộ phận Một cửa phường An Xuyên"
    )
    assert desk.depth == 3 and desk.path == f"96/{AN_XUYEN}/32002.H12/32002.01.H12/"
    province = selectors.unit_by_code("96")
    with CaptureQueriesContext(connection) as queries:
        under = set(selectors.units_under(province).values_list("code", flat=True))
    assert len(queries) == 1
    assert {"96", AN_XUYEN, "32002.H12", "32002.01.H12", JUSTICE} <= under
    assert len(under) == 1 + 64 + 64 + 8 + 1
    assert "01" not in under and "31825" in under  # Hà Nội is not under Cà Mau; Phường Bạc Liêu is
    assert set(selectors.units_under(committee, include_self=False).values_list("code", flat=True)) == {
        "32002.01.H12"
    }


def test_the_subtree_query_is_answered_from_an_index():
    plan = selectors.units_under(selectors.unit_by_code("96")).explain()
    assert "INDEX" in plan.upper()
    assert "SCAN core_adminunit\n" not in plan


def test_an_unknown_unit_code_is_named():
    with pytest.raises(NotFound, match="“H99”") as error:
        selectors.unit_by_code("H99")
    assert error.value.code == "unit_not_found"
