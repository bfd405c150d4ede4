"""Phone layouts (390 px): lists of reports and dossiers fit the screen, catalog cards frame their whole text,
and the reason and note fields are big enough to write in."""

import pytest
from playwright.sync_api import expect

from tinhso.catalog import demo as catalog_demo
from tinhso.testing.browser import sign_in
from tinhso.testing.factories import citizen
from tinhso.testing.fieldreport_helpers import file_report
from tinhso.testing.fieldreports import categories, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
PASSWORD = "Camau@2026"
WIDER_THAN_THE_SCREEN = "document.documentElement.scrollWidth > window.innerWidth"


def test_my_reports_and_the_staff_list_fit_a_phone(page, categories, staff):  # noqa: F811
    person = citizen(password=PASSWORD)
    for _ in range(3):
        file_report(reporter=person)
    sign_in(page, username="096090001234", password=PASSWORD)
    page.goto("/phan-anh/cua-toi/")
    expect(page.locator("main tbody tr")).to_have_count(3)
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    # On a phone each row reads as a card: every value beside its column's name.
    expect(page.locator("main tbody tr").first.locator("td").nth(1)).to_have_attribute(
        "data-label", "Lĩnh vực"
    )

    page.context.clear_cookies()
    sign_in(page, username="dieuphoi", password="Camau@2026", official=True)
    page.goto("/can-bo/phan-anh/")
    expect(page.locator("main tbody tr")).to_have_count(3)
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)


def test_catalog_cards_frame_their_whole_text(page, reference_data):
    catalog_demo.load_demo(with_accounts=False)
    page.goto("/thu-tuc/")
    card = page.locator("main .procedure-list > li, main .cards > li").first
    link = card.locator("a").first
    box, link_box = card.bounding_box(), link.bounding_box()
    border = page.evaluate("(el) => getComputedStyle(el).borderTopWidth", card.element_handle())
    assert border != "0px" or link_box["height"] >= box["height"] - 1
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)


def test_reason_and_note_fields_are_big_enough_to_write_in(page, reference_data):
    page.goto("/")
    sizes = page.evaluate(
        """() => {
            const form = document.createElement("form");
            form.innerHTML = '<div class="field"><input name="note"></div>'
                + '<div class="field"><textarea name="reason" rows="2"></textarea></div>';
            document.querySelector("main").append(form);
            const [note, reason] = form.querySelectorAll("input, textarea");
            return [note.offsetWidth, reason.offsetHeight, form.offsetWidth];
        }"""
    )
    note_width, reason_height, width = sizes
    assert note_width == width and reason_height >= 90  # the whole line; a few lines of text
