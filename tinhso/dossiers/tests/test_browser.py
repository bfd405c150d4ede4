"""In a real browser: a citizen finds a procedure and submits online, the officials process and return the
result from their queues, and the citizen downloads it and rates the service."""

import pytest
from playwright.sync_api import expect

from tinhso.dossiers.models import Dossier, Status
from tinhso.testing.browser import act_from_queue, as_official, sign_in
from tinhso.testing.dossiers import RECORD

pytestmark = pytest.mark.browser
PASSWORD = "Camau@2026"


def test_a_citizen_submits_online_officials_return_the_result_and_the_citizen_rates(
    page, browser, live_server, cast, tmp_path
):
    sign_in(page, username="096090001234", password=PASSWORD)
    page.goto("/thu-tuc/")
    page.get_by_label("Tên hoặc mã thủ tục").fill("ly lich tu phap")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam").click()
    expect(page.locator("main")).to_contain_text("10 ngày làm việc")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Loại phiếu").select_option("Phiếu số 1")
    page.get_by_label("Số lượng phiếu").fill("0")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("#e-purpose")).to_have_text("Cần nhập thông tin này.")
    expect(page.locator("#e-copies")).to_have_text("Không được nhỏ hơn 1.")
    page.get_by_label("Mục đích yêu cầu cấp phiếu").fill("Bổ sung hồ sơ xin việc")
    page.get_by_label("Số lượng phiếu").fill("1")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã nộp hồ sơ. Mã hồ sơ là")
    dossier = Dossier.objects.get(procedure__code=RECORD)
    expect(page.locator("h1")).to_have_text(f"Hồ sơ {dossier.code}")

    desk = as_official(browser, live_server, "motcua")
    act_from_queue(desk, dossier.code, "Tiếp nhận hồ sơ")
    act_from_queue(desk, dossier.code, "Chuyển bước tiếp theo")
    specialist = as_official(browser, live_server, "chuyenvien")
    act_from_queue(specialist, dossier.code, "Chuyển bước tiếp theo", **{"Ghi chú": "Đủ điều kiện cấp phiếu"})
    leader = as_official(browser, live_server, "lanhdao")
    leader.goto("/can-bo/ho-so/")
    leader.get_by_role("link", name=dossier.code).click()
    result = tmp_path / "phieu-lltp.pdf"
    result.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    finish = leader.locator("form", has=leader.get_by_role("button", name="Ghi kết quả giải quyết"))
    finish.get_by_label("Tệp kết quả (PDF, tối đa 20 MB)").set_input_files(str(result))
    finish.get_by_role("button", name="Ghi kết quả giải quyết").click()
    expect(leader.locator(".alert-success")).to_contain_text("Đã ghi kết quả giải quyết hồ sơ")
    act_from_queue(desk, dossier.code, "Đã trả kết quả")

    page.goto("/ho-so/cua-toi/")
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải kết quả (PDF)").click()
    assert download.value.suggested_filename == f"{dossier.code}.pdf"
    page.get_by_label("Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator(".alert-success")).to_have_text(
        f"Cảm ơn anh/chị đã đánh giá việc giải quyết hồ sơ {dossier.code}."
    )
    expect(page.locator("main")).to_contain_text("Đánh giá")
    dossier.refresh_from_db()
    assert (dossier.status, dossier.rating) == (Status.RETURNED, 3)
