"""The base layout, the home page, the sign-in pages and the health check, through Django's test client."""

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve

from tinhso.core import services
from tinhso.core.models import AdminUnit, User
from tinhso.web import context_processors

CITIZEN_ID = "096197004455"
PASSWORD = "Rạch-Gốc-2026!"


class Tags(HTMLParser):
    """Collects start tags with their attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.fixture
def citizen(db) -> User:
    commune = AdminUnit.objects.filter(parent__code="96", kind=AdminUnit.Kind.COMMUNE).first()
    services.save_population_record(
        citizen_id=CITIZEN_ID,
        full_name="Lê Thị Thanh Tuyền",
        birth_date=date(1997, 5, 14),
        sex="F",
        permanent_address="Ấp Tân Thành, số nhà 45",
        permanent_commune=commune,
    )
    return services.register_citizen(citizen_id=CITIZEN_ID, password=PASSWORD)


def test_healthz_reports_database_and_queue(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}
    assert body["queue"]["status"] == "ok"
    assert isinstance(body["queue"]["pending"], int)


def test_base_layout_is_vietnamese_accessible_and_self_hosted(client, db):
    response = client.get("/")
    html = response.content.decode()
    tags = Tags(html)
    assert tags.find("html")[0]["lang"] == "vi"
    skip_link = tags.find("a", **{"class": "skip-link"})[0]
    assert skip_link["href"] == "#main"
    assert tags.find("main", id="main")
    assert tags.find("header") and tags.find("footer")
    assert tags.find("nav", **{"aria-label": "Điều hướng chính"})
    assert "Cổng dịch vụ công tỉnh Cà Mau" in html
    assert "Ủy ban nhân dân tỉnh Cà Mau" in html
    external = [
        url
        for tag, attrs in tags.tags
        for url in (attrs.get("src"), attrs.get("href") if tag == "link" else None)
        if url and re.match(r"(https?:)?//", url)
    ]
    assert external == []


def test_built_assets_are_referenced_and_exist(client, db):
    tags = Tags(client.get("/").content.decode())
    stylesheet = tags.find("link", rel="stylesheet")[0]["href"]
    scripts = [tag["src"] for tag in tags.find("script")]
    assert stylesheet == "/static/web/dist/style.css"
    assert scripts == ["/jsi18n/vi/", "/static/web/dist/app.js"]  # the JavaScript's words, then the code
    css_path = finders.find("web/dist/style.css")
    assert css_path, "run `make assets` to build the front-end files"
    assert finders.find("web/dist/app.js")
    fonts = re.findall(r"url\(\"?\./(fonts/[^\")]+\.woff2)\"?\)", Path(css_path).read_text(encoding="utf-8"))
    assert len(fonts) == 6  # Vietnamese and Latin subsets at weights 400, 600 and 700
    assert all(finders.find(f"web/dist/{font}") for font in fonts)


def test_navigation_links_only_to_pages_that_exist(client, db, monkeypatch):
    monkeypatch.setattr(
        context_processors,
        "MAIN_NAVIGATION",
        (*context_processors.MAIN_NAVIGATION, ("Trang chưa có", "nowhere:page", "")),
    )
    html = client.get("/").content.decode()
    nav = html[html.index('<nav class="main-nav"') : html.index("</nav>")]
    hrefs = [attrs["href"] for tag, attrs in Tags(nav).tags if tag == "a"]
    assert hrefs[0] == "/"
    assert 'href="/" aria-current="page"' in nav
    assert "Trang chưa có" not in nav
    for href in hrefs:
        resolve(href)  # raises Resolver404 for a link to a page that does not exist
    assert "#" not in hrefs


def test_anonymous_header_offers_both_sign_in_pages(client, db):
    html = client.get("/").content.decode()
    assert 'href="/dang-nhap/"' in html
    assert 'href="/can-bo/dang-nhap/"' in html
    assert "Đăng xuất" not in html


def test_signed_in_header_shows_name_and_sign_out_form(client, citizen):
    client.force_login(citizen)
    tags = Tags(html := client.get("/").content.decode())
    assert "Lê Thị Thanh Tuyền" in html
    assert tags.find("form", action="/dang-xuat/", method="post")


def test_language_switch_renders_english(client, db):
    tags = Tags(client.get("/").content.decode())
    assert tags.find("form", action="/i18n/setlang/", method="post")
    assert tags.find("button", name="language", value="en")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert Tags(html).find("html")[0]["lang"] == "en"
    assert "Cà Mau Province Public Service Portal" in html
    assert "Online public services for citizens and businesses" in html
    assert "Thủ tục hành chính" not in html


def test_messages_are_shown_with_their_role(db):
    request = RequestFactory().get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    request.user = AnonymousUser()
    messages.success(request, "Đã gửi hồ sơ.")
    messages.error(request, "Không gửi được hồ sơ.")
    html = render_to_string("web/home.html", request=request)
    assert '<div class="alert alert-success" role="status">Đã gửi hồ sơ.</div>' in html
    assert '<div class="alert alert-error" role="alert">Không gửi được hồ sơ.</div>' in html


def test_sign_in_shows_field_errors_next_to_their_fields(client, db):
    html = client.post("/dang-nhap/", {"username": "", "password": ""}).content.decode()
    tags = Tags(html)
    for name in ("username", "password"):
        field = tags.find("input", name=name)[0]
        assert field["aria-describedby"] == f"id_{name}_error"
        assert field["aria-invalid"] == "true"
        assert tags.find("div", id=f"id_{name}_error")
    assert html.count("Trường này là bắt buộc.") == 2


def test_wrong_password_shows_alert_in_vietnamese(client, citizen):
    html = client.post("/dang-nhap/", {"username": CITIZEN_ID, "password": "sai-mat-khau"}).content.decode()
    assert '<div class="alert alert-error" role="alert">' in html
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in html


def test_english_catalogue_has_no_untranslated_or_fuzzy_message():
    catalogue = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"))
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
