"""In a real browser: a department's reporting officer types the month with the keyboard, submits, explains
the one figure that differs from the platform's own count, and the province's leader accepts and approves;
figures save as they are typed, survive a lost connection, and a colleague's newer save is never overwritten
unseen."""

from datetime import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tinhso.core.models import Role
from tinhso.reporting import services
from tinhso.reporting.models import Status, Submission
from tinhso.testing.browser import sign_in
from tinhso.testing.factories import official

from .conftest import JUSTICE, ZONE, cells
from .test_approval import _dossier

pytestmark = pytest.mark.browser
IN_PLAN_OR_COMMENT = "(n => n.startsWith('c:') || n.includes('@'))(document.activeElement.name || '')"
PAGE = f"/bao-cao/KTXH-THANG/2026M03/{JUSTICE}/"


def test_entry_submission_mismatch_explained_and_approval_above(
    page, browser, live_server, regime, cast, clock
):
    for number, day in ((1, 20), (2, 25), (3, 28)):  # three dossiers in the cut-off period (15/02–14/03)
        _dossier(number, JUSTICE, datetime(2026, 2, day, 9, tzinfo=ZONE))
    services.snapshot_derivations(regime_code=regime, period_id="2026M03")

    sign_in(page, username="baocao.tuphap", password="Camau@2026", official=True)
    page.goto(PAGE)
    page.locator("#v-IIP").click()
    for text in (
        "104,5",
        "",
        "",
        "100,2",
        "12",
        "4",
        "0",
        "0",
        "0",
    ):  # IIP BLHH THUNS CPI DNMOI HSTN HSTT HSDH PAHT
        if text:
            page.keyboard.type(text)
        page.keyboard.press("Tab")
        while page.evaluate(IN_PLAN_OR_COMMENT):
            page.keyboard.press("Tab")  # over the plan and comment cells to the next row's value
    with page.expect_navigation():
        page.locator("#save").click()
    expect(page.locator("#crosschecks tr[data-status=mismatch]")).to_contain_text(
        "Hồ sơ thủ tục hành chính tiếp nhận"
    )
    with page.expect_navigation():
        page.locator("#action-submit").click()
    expect(page.locator("#report-status")).to_have_text("Đã gửi")
    finding = page.locator("#findings li[data-subject='crosscheck:HSTN']")
    expect(finding).to_contain_text("nền tảng ghi nhận 3")
    finding.locator("input[name=text]").fill("Một hồ sơ nộp bản giấy ngày 14/3 chưa cập nhật lên hệ thống.")
    with page.expect_navigation():
        finding.locator("button").click()
    expect(page.locator("#findings")).to_contain_text("Giải trình: Một hồ sơ nộp bản giấy")

    leader = browser.new_context(base_url=live_server.url, locale="vi-VN").new_page()
    sign_in(leader, username="lanhdao.tinh", password="Camau@2026", official=True)
    leader.goto(PAGE)
    expect(leader.locator("#crosschecks tr[data-status=mismatch]")).to_be_visible()
    with leader.expect_navigation():
        leader.locator("#action-accept").click()
    with leader.expect_navigation():
        leader.locator("#action-approve").click()
    expect(leader.locator("#report-status")).to_have_text("Đã phê duyệt")
    leader.context.close()
    submission = Submission.objects.get(unit__code=JUSTICE)
    assert submission.status == Status.APPROVED
    assert {(v.code, str(v.value.normalize())) for v in cells(submission=submission.pk)} >= {
        ("IIP", "104.5"), ("HSTN", "4"), ("DNMOI", "12"),
    }  # fmt: skip


def _value(code):
    found = cells(code=code)
    return found[0] if found else None


def test_figures_save_as_they_are_typed_and_survive_a_lost_connection(page, live_server, regime, cast, clock):
    sign_in(page, username="baocao.tuphap", password="Camau@2026", official=True)
    page.goto(PAGE)
    page.locator("#v-IIP").fill("104,5")
    expect(page.locator("#autosave-status")).to_contain_text("Đã lưu lúc")
    assert _value("IIP").value == Decimal("104.5")

    # The connection drops: the figure stays on this device and the page says so.
    page.route("**/tu-dong-luu/", lambda route: route.abort())
    page.locator("#v-DNMOI").fill("12")
    page.locator("#v-DNMOI").press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Chưa lưu được")
    page.close()
    assert _value("DNMOI") is None

    # The next visit, connected again, puts it back and saves it.
    again = page.context.new_page()
    again.goto(PAGE)
    expect(again.locator("#autosave-status")).to_contain_text("Đã lưu lúc")
    expect(again.locator("#v-DNMOI")).to_have_value("12")
    assert _value("DNMOI").value == 12 and _value("IIP").value == Decimal("104.5")


def test_a_colleagues_newer_save_is_shown_beside_the_cell_and_nothing_is_lost(
    page, browser, live_server, regime, cast, clock
):
    official("baocao.tuphap2", (Role.REPORTING_OFFICER, JUSTICE))
    sign_in(page, username="baocao.tuphap", password="Camau@2026", official=True)
    page.goto(PAGE)
    colleague = browser.new_context(base_url=live_server.url, locale="vi-VN").new_page()
    sign_in(colleague, username="baocao.tuphap2", password="Camau@2026", official=True)
    colleague.goto(PAGE)

    colleague.locator("#v-IIP").fill("101")
    expect(colleague.locator("#autosave-status")).to_contain_text("Đã lưu lúc")
    page.locator("#v-IIP").fill("99")
    expect(page.locator("#e-IIP")).to_contain_text("“101”")
    expect(page.locator("#v-IIP")).to_have_value("99")
    assert _value("IIP").value == 101

    # Having seen the newer figure, the first official keeps theirs on purpose.
    with page.expect_navigation():
        page.locator("#save").click()
    assert _value("IIP").value == 99
    colleague.context.close()


def test_saving_the_page_waits_for_a_figure_still_on_its_way(page, live_server, regime, cast, clock):
    sign_in(page, username="baocao.tuphap", password="Camau@2026", official=True)
    page.goto(PAGE)
    held, form_posts = [], []
    # The autosave stays on its way until released below.
    page.route("**/tu-dong-luu/", lambda route: held.append(route))
    page.on(
        "request",
        lambda request: request.method == "POST" and request.url.endswith(PAGE) and form_posts.append(1),
    )
    with page.expect_request("**/tu-dong-luu/"):
        page.locator("#v-IIP").fill("104,5")
        page.locator("#v-IIP").press("Tab")
    page.locator("#v-DNMOI").fill("12")
    page.locator("#save").click()
    assert page.evaluate("document.getElementById('entry-form').dataset.submitting") is None
    assert not form_posts

    with page.expect_navigation():
        held[0].continue_()
    assert form_posts == [1]
    assert _value("IIP").value == Decimal("104.5") and _value("DNMOI").value == 12
