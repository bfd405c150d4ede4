"""The bundle form (issue 18, item 6): an empty submit flags every section at once, each error on its field;
the child's name and birth date are asked once; each procedure's required documents have an upload field."""

import pytest
from playwright.sync_api import expect

from tinhso.dossiers.models import Dossier
from tinhso.testing.browser import sign_in
from tinhso.testing.dossiers import AN_XUYEN, BIRTH

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def test_the_bundle_flags_every_section_once_asks_shared_fields_once_and_takes_the_certificate(
    page, cast, tmp_path
):
    sign_in(page, username=cast.an.citizen_id, password="Camau@2026")
    page.goto("/lien-thong/LT-KHAISINH/nop/")
    expect(page.get_by_label("Họ, chữ đệm và tên của trẻ")).to_have_count(1)
    expect(page.get_by_label("Ngày sinh của trẻ")).to_have_count(1)
    page.get_by_role("button", name="Nộp các hồ sơ").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Nơi nộp hồ sơ")
    expect(summary).to_contain_text("Họ, chữ đệm và tên của trẻ: Cần nhập thông tin này.")
    expect(summary).to_contain_text("Quan hệ với chủ hộ: Cần nhập thông tin này.")  # section 2
    expect(summary).to_contain_text("Nơi đăng ký khám bệnh, chữa bệnh ban đầu")  # section 3
    expect(summary).to_contain_text("Giấy chứng sinh hoặc văn bản thay giấy chứng sinh: Cần đính kèm")
    expect(page.locator("[id='e-shared__child_full_name']")).to_have_text("Cần nhập thông tin này.")
    expect(page.locator("[id='e-1.004222__relationship_to_head']")).to_have_text("Cần nhập thông tin này.")
    expect(page.locator("[id='e-1.001193__documents.1']")).to_contain_text("Cần đính kèm")
    expect(page.locator(".alert-error")).to_have_count(1)
    expect(page.locator("#f-receiving_unit")).to_be_focused()

    page.locator("#f-receiving_unit").select_option(AN_XUYEN)
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill("Nguyễn Ngọc Bảo Anh")
    page.get_by_label("Ngày sinh của trẻ").fill("2026-02-02")
    page.get_by_label("Giới tính").select_option("Nữ")
    page.get_by_label("Nơi sinh").fill("Bệnh viện Đa khoa tỉnh Cà Mau")
    page.get_by_label("Họ, chữ đệm và tên của mẹ").fill("Trần Thị Bích Ngọc")
    page.get_by_label("Quan hệ với trẻ").fill("Cha")
    page.get_by_label("Số định danh cá nhân của mẹ").fill("096195004321")
    page.get_by_label("Địa chỉ nơi đăng ký cư trú").fill(
        "Số 12 Đường Lý Thường Kiệt, Khóm 3, Phường An Xuyên"
    )
    page.get_by_label("Quan hệ với chủ hộ").fill("Con")
    page.get_by_label("Nơi đăng ký khám bệnh, chữa bệnh ban đầu").fill("Trạm Y tế phường An Xuyên")
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(PDF)
    page.get_by_label("Giấy chứng sinh hoặc văn bản thay giấy chứng sinh").set_input_files(str(certificate))
    page.get_by_role("button", name="Nộp các hồ sơ").click()

    expect(page.locator(".alert-success")).to_contain_text("Đã nộp các hồ sơ liên thông")
    birth, _residence, card = Dossier.objects.order_by("pk")
    assert birth.procedure.code == BIRTH and birth.documents.get().requirement == 1
    assert birth.form_data["child_full_name"] == card.form_data["child_full_name"] == "Nguyễn Ngọc Bảo Anh"
    assert card.form_data["child_birth_date"] == "2026-02-02"
