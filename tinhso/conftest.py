"""Fixtures shared by every app's tests under tinhso/: the browser fixtures live in tinhso.web.tests.browser."""

from tinhso.web.tests.browser import browser, page

__all__ = ["browser", "page"]
