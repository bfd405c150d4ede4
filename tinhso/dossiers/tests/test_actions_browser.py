"""In a real browser: an officer sees only the actions they may take now, the expected one first; destructive
ones wait behind a confirmation; accepting can pass the dossier on at once, naming the specialist."""

import pytest
from playwright.sync_api import expect

from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier, Status
from tinhso.testing.browser import sign_in
from tinhso.testing.dossiers import RECORD, RECORD_FORM

pytestmark = pytest.mark.browser
PASSWORD = "Camau@2026"


def action_titles(page) -> list[str]:
    return page.locator(".actions-now > form.action h3").all_inner_texts()


def test_an_officer_takes_the_expected_action_and_confirms_a_destructive_one(
    page, browser, live_server, cast
):
    dossier, _ = services.submit_dossier(actor=cast.an, procedure_code=RECORD, form_data=RECORD_FORM)
    sign_in(page, username="motcua", password=PASSWORD, official=True)
    page.goto(f"/ho-so/{dossier.code}/")
    # Reception: accepting first and prominent, nothing of later steps, refusing set apart.
    assert action_titles(page)[:2] == ["Tiếp nhận hồ sơ", "Yêu cầu bổ sung"]
    expect(page.locator("form.action.is-primary h3")).to_have_text("Tiếp nhận hồ sơ")
    expect(page.get_by_role("button", name="Ghi kết quả giải quyết")).to_have_count(0)
    expect(page.get_by_role("button", name="Từ chối tiếp nhận")).to_be_hidden()

    # Refusing without ticking the confirmation does nothing.
    page.get_by_text("Dừng, từ chối hoặc rút hồ sơ").click()
    refuse = page.locator("form.action", has=page.get_by_role("button", name="Từ chối tiếp nhận"))
    refuse.get_by_label("Lý do từ chối (mẫu 03)").fill("Thiếu tờ khai.")
    refuse.get_by_role("button", name="Từ chối tiếp nhận").click()
    expect(refuse.get_by_role("checkbox")).to_have_js_property("validity.valid", False)
    assert Dossier.objects.get(pk=dossier.pk).status == Status.NEW

    # Accepting passes the dossier on to the named specialist in the same step.
    accept = page.locator("form.action.is-primary")
    accept.get_by_label("Chuyển ngay cho bước xử lý tiếp theo").check()
    accept.get_by_label("Giao cho (không bắt buộc)").select_option(label="Cán bộ chuyenvien")
    accept.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(page.locator(".alert-success")).to_be_visible()
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.status, stored.current_step.order, stored.assignee) == (
        Status.PROCESSING,
        2,
        cast.specialist,
    )
    assert action_titles(page) == []  # no longer at the desk's step

    # The specialist: forwarding first, no result to record before the last step, stopping confirmed.
    specialist = browser.new_context(base_url=live_server.url, locale="vi-VN").new_page()
    sign_in(specialist, username="chuyenvien", password=PASSWORD, official=True)
    specialist.goto(f"/ho-so/{dossier.code}/")
    assert action_titles(specialist)[0] == "Chuyển bước tiếp theo"
    assert "Ghi kết quả giải quyết" not in action_titles(specialist)
    specialist.get_by_text("Dừng, từ chối hoặc rút hồ sơ").click()
    stop = specialist.locator(
        "form.action.is-destructive", has=specialist.get_by_role("button", name="Dừng xử lý")
    )
    stop.get_by_label("Lý do dừng (mẫu 05)").fill("Người yêu cầu đề nghị dừng.")
    stop.get_by_label("Tôi xác nhận muốn “Dừng xử lý”; việc này không hoàn tác được.").check()
    stop.get_by_role("button", name="Dừng xử lý").click()
    expect(specialist.locator(".alert-success")).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.STOPPED
