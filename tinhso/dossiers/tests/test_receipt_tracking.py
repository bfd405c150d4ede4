"""Tracking by what the receipt prints (issue 18, item 1): the label, the desk's suffix after “/”, any case,
spaces around; nothing typed there may crash the page."""

import pytest
from playwright.sync_api import expect

from tinhso.dossiers.selectors import receipt_code
from tinhso.testing.dossier_flow import in_state


@pytest.mark.parametrize(
    "typed",
    [
        "32002.H12-261206-0005",
        "Số: 32002.H12-261206-0005/TNHS",
        "  số:32002.h12-261206-0005 / tnhs  ",
        "Mã hồ sơ: 32002.H12-261206-0005",
        "32002.H12 - 261206 - 0005",
    ],
)
def test_what_a_receipt_prints_gives_the_dossier_code(typed):
    assert receipt_code(typed) == "32002.H12-261206-0005"


@pytest.mark.parametrize("typed", ["Số: 000.00.01.H12-260310-0001/TNHS", "000.00.01.h12-260310-0001 "])
def test_the_lookup_follows_a_receipt_number_to_the_dossier(client, cast, clock, typed):
    dossier = in_state(cast, "processing")
    response = client.get("/ho-so/tra-cuu/", {"code": typed}, follow=True)
    assert response.status_code == 200 and dossier.code in response.content.decode()


@pytest.mark.parametrize("typed", ["/", "a/b/c", "Số:", "%2F", "../../etc"])
def test_odd_input_never_crashes_the_lookup(client, db, typed):
    assert client.get("/ho-so/tra-cuu/", {"code": typed}).status_code in (302, 400)
    assert client.get("/ho-so/tra-cuu/", {"code": typed}, follow=True).status_code in (400, 404)


@pytest.mark.browser
def test_a_citizen_types_the_receipt_number_into_the_tracking_page(page, cast, clock):
    dossier = in_state(cast, "processing")
    page.goto("/ho-so/tra-cuu/")
    page.get_by_label("Mã hồ sơ (in trên giấy tiếp nhận)").fill(f"  Số: {dossier.code.lower()}/TNHS ")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("main")).to_contain_text(dossier.code)
    expect(page.locator("main")).to_contain_text("Đang xử lý")
