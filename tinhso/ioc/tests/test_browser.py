"""In a real browser: a province leader drills from the province's score down to one dossier, and an open
dashboard takes a new dossier in without reloading."""

import re

import pytest
from playwright.sync_api import expect

from tinhso.ioc import tasks
from tinhso.ioc.tests.helpers import submit
from tinhso.testing.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _only_the_server_applies_events(monkeypatch):
    """On SQLite the live server shares the test's connection, so a consumer run inline in the test thread would
    race the server's with no isolation at all; in production every consumer has its own connection and the
    consumer state row lock serialises them."""
    monkeypatch.setattr(tasks, "queue_rollups", lambda: None)


def test_drill_down_from_the_score_to_a_dossier(page, march, province_leader):
    sign_in(page, username="lanhdaotinh", password="Camau@2026", official=True)
    page.goto("/dieu-hanh/?period=2026-03")
    expect(page.locator("h1")).to_contain_text("Tỉnh Cà Mau")
    page.get_by_test_id("score").click()
    progress = page.get_by_test_id("numerator-2.1")
    expect(progress).to_have_text("3")
    progress.click()
    expect(page.locator("h1")).to_contain_text("2.1")
    expect(page.locator("#ioc-numerator")).to_have_text("3")
    late = march["e"].code
    row = page.locator("tr", has=page.get_by_role("link", name=late))
    expect(row).to_contain_text("Quá hạn (còn mở cuối kỳ)")
    row.get_by_role("link", name=late).click()
    expect(page).to_have_url(re.compile(rf"/ho-so/{re.escape(late)}/$"))
    expect(page.locator("main")).to_contain_text(late)


def test_an_open_dashboard_shows_a_new_dossier_within_two_seconds(page, march, cast, province_leader):
    sign_in(page, username="lanhdaotinh", password="Camau@2026", official=True)
    page.goto("/dieu-hanh/?period=2026-03")
    online = page.get_by_test_id("numerator-3.2")
    expect(online).to_have_text("2")
    expect(page.locator("#ioc-connection")).to_have_text("Đang cập nhật trực tiếp.")
    submit(cast)  # a citizen submits online, elsewhere
    expect(page.get_by_test_id("numerator-3.2")).to_have_text("3", timeout=2000)
    expect(page.locator("#ioc-connection")).to_have_text("Đang cập nhật trực tiếp.")


def test_when_the_stream_drops_the_dashboard_falls_back_to_polling(page, march, cast, province_leader):
    sign_in(page, username="lanhdaotinh", password="Camau@2026", official=True)
    page.route("**/dieu-hanh/truc-tiep/**", lambda route: route.abort())  # the stream cannot get through
    page.goto("/dieu-hanh/?period=2026-03")
    expect(page.locator("#ioc-connection")).to_contain_text("cập nhật định kỳ")
    submit(cast)
    expect(page.get_by_test_id("numerator-3.2")).to_have_text("3", timeout=7000)


def test_the_indicator_table_reads_on_a_phone(page, march, province_leader):
    """Issue 18, item 21: at 390 px the indicator table neither wraps a word a line nor cuts the points."""
    sign_in(page, username="lanhdaotinh", password="Camau@2026", official=True)
    page.goto("/dieu-hanh/?period=2026-03")
    table = page.locator("#ioc-groups table")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    points = page.locator("#group-TDGQ tr", has=page.get_by_test_id("numerator-2.1")).locator("td").last
    box = points.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # the points are on screen
    expect(points).to_contain_text("12")
    about = page.locator("#group-TDGQ tr", has=page.get_by_test_id("numerator-2.1")).locator("td").first
    assert about.bounding_box()["width"] >= 300  # the name and formula take the screen's width
    assert table.bounding_box()["height"] < 9000  # was about 26,000 px for the whole page
