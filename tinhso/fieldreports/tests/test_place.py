"""A report's place is never changed without a word (issue 18, item 7): the page says where the report will go
before it is sent, the reporter can pick the commune from a list or find it by name when the map shows no
tiles, and an address naming another commune than the point's is asked about, not routed silently."""

import pytest
from playwright.sync_api import expect

from tinhso.core.errors import InvalidInput
from tinhso.fieldreports import selectors
from tinhso.fieldreports.models import Report
from tinhso.testing.fieldreport_helpers import AN_XUYEN, REPORTER_PHONE, TAN_THANH_POINT, file_report

ADDRESS = "Số 12 Đường Lý Thường Kiệt, phường An Xuyên"


@pytest.mark.django_db
def test_an_address_naming_another_commune_than_the_point_is_asked_about(categories):
    with pytest.raises(InvalidInput) as refused:
        file_report(point=TAN_THANH_POINT, address=ADDRESS)
    assert refused.value.errors["commune"][0].startswith("Địa chỉ ghi “Phường An Xuyên” nhưng điểm chọn")
    assert not Report.objects.exists()
    picked = file_report(point=TAN_THANH_POINT, address=ADDRESS, commune_code=AN_XUYEN)
    assert picked.commune.code == AN_XUYEN
    centre = file_report(point=(None, None), commune_code=AN_XUYEN)
    assert (centre.commune.code, centre.latitude) == (AN_XUYEN, picked.commune.latitude)


@pytest.mark.django_db
def test_communes_are_found_by_name_without_accents(db):
    assert [unit.code for unit in selectors.search_communes("an xuyen")] == [AN_XUYEN]


@pytest.mark.browser
def test_a_reporter_is_told_where_the_report_goes_and_picks_the_commune_by_name(page, categories):
    page.goto("/phan-anh/gui/")
    page.get_by_label("Lĩnh vực").select_option("ha-tang-den")
    page.get_by_label("Nội dung phản ánh").fill(
        "Ba trụ đèn trên đường Lý Thường Kiệt không sáng đã một tuần."
    )
    page.get_by_label("Vĩ độ").fill(str(TAN_THANH_POINT[0]))
    page.get_by_label("Kinh độ").fill(str(TAN_THANH_POINT[1]))
    page.get_by_label("Kinh độ").dispatch_event("change")
    expect(page.locator("#nearby")).to_contain_text("Vị trí thuộc Phường Tân Thành.")
    expect(page.locator("#nearby")).to_contain_text("Phản ánh sẽ gửi đến đây")
    page.get_by_label("Địa chỉ hoặc mô tả vị trí").fill(ADDRESS)
    page.get_by_label("Địa chỉ hoặc mô tả vị trí").dispatch_event("change")
    expect(page.locator("#nearby")).to_contain_text("Địa chỉ ghi “Phường An Xuyên” nhưng điểm chọn")
    page.get_by_label("Số điện thoại").fill(REPORTER_PHONE)
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator("main")).to_contain_text("Hãy chọn xã, phường nơi xảy ra trong danh sách")
    assert not Report.objects.exists()

    page.get_by_label("Tìm xã, phường theo tên (khi bản đồ không hiện)").fill("an xuyen")
    page.get_by_role("button", name="Chọn Phường An Xuyên").click()
    expect(page.get_by_label("Xã, phường nơi xảy ra")).to_have_value(AN_XUYEN)
    expect(page.locator("#nearby")).to_contain_text(
        "Phản ánh sẽ gửi đến Phường An Xuyên, xã, phường bạn chọn."
    )
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator(".alert-success")).to_contain_text("Mã theo dõi của bạn là")
    assert Report.objects.get().commune.code == AN_XUYEN


@pytest.mark.django_db
def test_photos_chosen_before_a_refused_submit_are_asked_again_by_name(client, categories):
    from tinhso.testing.fieldreport_helpers import jpeg_with_gps

    answer = client.post(
        "/phan-anh/gui/",
        {"category": "ha-tang-den", "description": "", "photos": [jpeg_with_gps("den-hong.jpg")]},
    )
    assert answer.status_code == 400
    assert "Bạn đã chọn den-hong.jpg: trình duyệt không giữ tệp" in answer.content.decode()
