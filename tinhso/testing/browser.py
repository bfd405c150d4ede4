"""Browser fixtures for end-to-end tests: Debian's Chromium driven by Playwright against the live server.

Use them from any app's tests (the root conftest.py registers them for every test):

    from tinhso.testing.browser import sign_in

    @pytest.mark.browser
    def test_something(page, citizen):
        sign_in(page, username=citizen.citizen_id, password="...")
        page.goto("/")
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in the test thread; Django would otherwise refuse
# every ORM call made from the test body while a page is open.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The operations centre's event stream (ioc.views.live), polling the log until its browser is gone.
LIVE_STREAM = "/dieu-hanh/truc-tiep/"


@pytest.fixture(scope="session")
def browser(live_server):
    """One headless Chromium per test process; skipped when Debian's chromium package is not installed.

    It asks for the live server so that it closes first: connections it kept open to a stopped server were
    closed by threads no longer allowed to touch the test database (SQLite's shared in-memory connection)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} does not exist: install Debian's chromium package to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, reference_data) -> Iterator:
    """A fresh Playwright page (own cookies) on the live server, in Vietnamese, with a 390 px phone screen.

    Relative URLs resolve against the live server: `page.goto("/dang-nhap/")`. The database is
    transactional (the live server runs in another thread) and holds the reference data (units, agencies),
    so create the accounts and records a test needs with the services before opening pages.
    """
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    streams: list[str] = []
    page.on("request", lambda request: streams.append(request.url) if LIVE_STREAM in request.url else None)
    yield page
    if streams:  # the server ends a stream at its next heartbeat; before it, the stream still reads the log
        page.goto("about:blank")
        page.wait_for_timeout(2500)
    # Every context of the test (as_official's too): a page left open keeps a live-server thread, and its
    # database connection, alive until the session ends, when the test database is being dropped.
    for each in browser.contexts:
        each.close()


def sign_in(page, *, username: str, password: str, official: bool = False) -> None:
    """Signs in through the real sign-in page (citizens may give their 12-digit ID as username)."""
    page.goto("/can-bo/dang-nhap/" if official else "/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def as_official(browser, live_server, username: str, password: str = "Camau@2026"):
    """A page of its own (own cookies) on a desktop screen, signed in as the official `username`."""
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, username=username, password=password, official=True)
    return page


def act_from_queue(page, code: str, button: str, **fields: str) -> None:
    """From the official's queue: opens dossier `code`, fills the form's `fields` by label and presses `button`."""
    from playwright.sync_api import expect

    page.goto("/can-bo/ho-so/")
    page.get_by_role("link", name=code).click()
    form = page.locator("form", has=page.get_by_role("button", name=button))
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=button).click()
    expect(page.locator(".alert-success")).to_contain_text(f"hồ sơ {code}")
