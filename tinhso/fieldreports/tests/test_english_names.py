"""Category names are data: in English mode they show in English where one is kept, else in Vietnamese."""

import pytest
from django.conf import settings

from tinhso.fieldreports import demo, services
from tinhso.fieldreports.names import CATEGORY_NAMES_EN
from tinhso.testing.fieldreport_helpers import file_report

pytestmark = pytest.mark.django_db
BASE = "/api/v1/fieldreports"


def test_every_reference_category_has_an_english_name():
    codes = {group for group, _, children in demo.CATEGORIES} | {
        child[0] for _, _, children in demo.CATEGORIES for child in children
    }
    assert codes == set(CATEGORY_NAMES_EN)


def test_category_names_follow_the_reader_language(client, categories, staff):
    services.create_category(
        actor=None,
        code="ha-tang-den",
        name="Đèn chiếu sáng hư hỏng",
        name_en="Broken public street lighting",
        parent_code="ha-tang",
        urgency="immediate",
        deadline_days=3,
    )
    report = file_report("ha-tang-den")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    public_pages = [f"/phan-anh/{report.tracking_code}/", "/phan-anh/", "/phan-anh/gui/"]
    for url in public_pages:
        page = client.get(url).content.decode()
        assert "Broken public street lighting" in page, url
        assert "Đèn chiếu sáng hư hỏng" not in page, url
    # A category without an English name still reads in Vietnamese rather than as nothing.
    assert "Đường hư hỏng, ổ gà" in client.get("/phan-anh/gui/").content.decode()
    assert client.get(f"{BASE}/reports/{report.tracking_code}").json()["category_name"] == (
        "Broken public street lighting"
    )
    points = client.get("/phan-anh/ban-do.geojson").json()["features"]
    assert points[0]["properties"]["category"] == "Broken public street lighting"
    client.force_login(staff["coordinator"])
    staff_list = client.get("/can-bo/phan-anh/").content.decode()
    assert "Broken public street lighting" in staff_list and "Đèn chiếu sáng hư hỏng" not in staff_list
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    assert "Đèn chiếu sáng hư hỏng" in client.get(f"/phan-anh/{report.tracking_code}/").content.decode()
