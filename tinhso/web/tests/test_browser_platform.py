"""What every page shares, in a real browser: the API's docs render from our own files, no page breaks its
Content-Security-Policy, and a role's refused page is the 403 page."""

import pytest
from playwright.sync_api import expect

from tinhso.core.models import Role
from tinhso.testing.browser import sign_in
from tinhso.testing.factories import JUSTICE, citizen, official

pytestmark = pytest.mark.browser
PASSWORD = "Camau@2026"


def _csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console", lambda line: found.append(line.text) if "Content Security Policy" in line.text else None
    )
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_the_api_docs_render_from_the_platforms_own_files(page, live_server):
    violations = _csp_violations(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tỉnh số API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert violations == []
    assert [url for url in requested if not url.startswith((live_server.url, "data:"))] == []


@pytest.mark.parametrize("url", ["/", "/thu-tuc/", "/phan-anh/", "/phan-anh/gui/", "/ho-so/tra-cuu/"])
def test_public_pages_keep_their_content_security_policy(page, url):
    violations = _csp_violations(page)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert violations == []


def test_the_operations_centre_keeps_its_content_security_policy(page, reference_data):
    official("lanh.dao", (Role.UNIT_LEADER, JUSTICE), password=PASSWORD)
    violations = _csp_violations(page)
    sign_in(page, username="lanh.dao", password=PASSWORD, official=True)
    expect(page).to_have_url("/dieu-hanh/")
    page.wait_for_load_state("networkidle")
    assert violations == []


def test_a_citizen_opening_the_officials_queue_sees_the_403_page(page, reference_data):
    citizen(password=PASSWORD)
    sign_in(page, username="096090001234", password=PASSWORD)
    response = page.goto("/can-bo/ho-so/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Không có quyền truy cập")
    expect(page.locator("main")).to_contain_text("Trang này dành cho cán bộ, công chức.")


def test_a_submit_button_shows_progress_and_takes_no_second_click(page, reference_data):
    citizen(password=PASSWORD)
    held = []
    page.route(
        "**/dang-nhap/",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill("096090001234")
    page.locator("#id_password").fill(PASSWORD)
    # While the answer is held the page cannot be read from here (Playwright waits for the navigation):
    # the page notes the button as it turns busy, and then tries a second submit, in sessionStorage.
    page.evaluate(
        """() => {
            const form = document.querySelector("main form"), button = form.querySelector("button");
            new MutationObserver(() => {
                if (button.getAttribute("aria-disabled") !== "true" || sessionStorage.busy) return;
                sessionStorage.busy = button.textContent;
                const again = new SubmitEvent("submit", {cancelable: true, bubbles: true});
                form.dispatchEvent(again);
                sessionStorage.secondRefused = again.defaultPrevented;
                form.requestSubmit();
            }).observe(button, {attributes: true});
        }"""
    )
    page.locator("main form button[type=submit]").click(no_wait_after=True)
    for _ in range(500):  # each call lets Playwright deliver the held request to the handler
        if held:
            break
        page.context.cookies()
    with page.expect_navigation():
        held[0].continue_()
    expect(page).to_have_url("/ho-so/cua-toi/")
    assert page.evaluate("[sessionStorage.busy, sessionStorage.secondRefused]") == ["Đang gửi…", "true"]
    assert len(held) == 1


def test_the_operations_centre_speaks_english_in_english_mode(page, reference_data):
    official("lanh.dao", (Role.UNIT_LEADER, JUSTICE), password=PASSWORD)
    sign_in(page, username="lanh.dao", password=PASSWORD, official=True)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/dieu-hanh/")
    # The live status and the charts' legend come from the JavaScript catalogue in the page's language.
    expect(page.locator("#ioc-connection")).to_have_text("Updating live.")
    assert page.evaluate("window.gettext('Hồ sơ tiếp nhận')") == "Dossiers received"
    assert page.evaluate("window.gettext('Nộp trực tuyến (3.2)')") == "Submitted online (3.2)"
