"""Answers every page shares: a GET of an action's address, a form sent after the session expired, the
security headers of each kind of page, public media with DEBUG off, and the API's docs from our own files."""

from pathlib import Path

import pytest
from django.test import Client

from tinhso.core.models import Role
from tinhso.testing.factories import JUSTICE, official

pytestmark = pytest.mark.django_db


def test_a_plain_get_of_an_action_address_answers_a_page_not_an_empty_405(client):
    client.force_login(official("chuyen.vien", (Role.SPECIALIST, JUSTICE)))
    for url, back in (
        ("/ho-so/32002.H12-261206-0005/tiep-nhan/", "/ho-so/32002.H12-261206-0005/"),
        ("/dang-xuat/", "/"),
    ):
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 405 and "POST" in page["Allow"]
        assert "Địa chỉ này dùng để gửi biểu mẫu" in html and f'href="{back}"' in html


def test_the_api_keeps_its_own_405(client):
    answer = client.get("/api/v1/auth/token")
    assert answer.status_code == 405 and "Địa chỉ này" not in answer.content.decode()


def test_a_form_sent_after_the_session_expired_explains_in_vietnamese_and_shows_what_was_typed(db):
    browser = Client(enforce_csrf_checks=True)
    sent = browser.post(
        "/phan-anh/gui/",
        {
            "description": "Cống bị vỡ <b>trước</b> số nhà 12",
            "password": "bí mật",
            "csrfmiddlewaretoken": "x",
        },
        HTTP_REFERER="http://testserver/phan-anh/gui/",
    )
    html = sent.content.decode()
    assert sent.status_code == 403
    assert "Phiên làm việc đã hết hạn" in html and "CSRF verification failed" not in html
    assert "Cống bị vỡ &lt;b&gt;trước&lt;/b&gt; số nhà 12" in html  # shown back, as text
    assert "bí mật" not in html and 'href="http://testserver/phan-anh/gui/"' in html


def test_a_service_refusal_on_a_page_is_the_403_page(client, rf):
    from tinhso.core.errors import Forbidden, NotFound
    from tinhso.web.pages import PageErrors

    guard = PageErrors(lambda request: None)
    with pytest.raises(Exception) as refused:
        guard.process_exception(rf.get("/can-bo/x/"), Forbidden("Không được."))
    assert type(refused.value).__name__ == "PermissionDenied"
    with pytest.raises(Exception) as missing:
        guard.process_exception(rf.get("/ho-so/x/"), NotFound("Không có."))
    assert type(missing.value).__name__ == "Http404"
    assert guard.process_exception(rf.get("/api/v1/x"), Forbidden("API answers itself")) is None


PAGE_KINDS = {
    "home": "/",
    "catalog": "/thu-tuc/",
    "sign-in": "/dang-nhap/",
    "tracking": "/ho-so/tra-cuu/",
    "reports": "/phan-anh/",
    "missing": "/khong-co-trang-nay/",
    "api-docs": "/api/v1/docs",
    "api": "/api/v1/openapi.json",
    "open311": "/open311/v2/discovery.json",
}


@pytest.mark.parametrize("url", PAGE_KINDS.values(), ids=PAGE_KINDS.keys())
def test_every_kind_of_page_carries_the_security_headers(client, url):
    answer = client.get(url)
    policy = answer["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy
    assert answer["Referrer-Policy"] == "same-origin"
    assert "camera=()" in answer["Permissions-Policy"]
    assert answer["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "url", ["/", "/thu-tuc/", "/dang-nhap/", "/phan-anh/", "/ho-so/tra-cuu/", "/api/v1/docs"]
)
def test_no_page_holds_an_inline_script_or_loads_from_elsewhere(client, url):
    import re

    html = client.get(url).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert re.search(r'src="/(static|jsi18n)/', tag), tag  # files of the platform, never inline
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_signed_in_back_office_pages_carry_the_headers_too(client):
    client.force_login(official("lanh.dao", (Role.UNIT_LEADER, JUSTICE)))
    for url in ("/can-bo/ho-so/", "/can-bo/phan-anh/", "/dieu-hanh/", "/thong-bao/"):
        answer = client.get(url)
        assert answer.status_code == 200 and "script-src 'self'" in answer["Content-Security-Policy"], url


def test_production_cookies_are_secure_and_hsts_is_on():
    import subprocess
    import sys

    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.TINHSO_SERVE_PUBLIC_MEDIA)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "TINHSO_ENV": "production",
        "SECRET_KEY": "k" * 60 + "-production-secret-for-the-settings-probe",
        "ALLOWED_HOSTS": "dichvucong.camau.gov.vn",
        "DATABASE_URL": "postgres://tinhso@127.0.0.1:5432/tinhso",
        "TINHSO_LOG_KEY": "l" * 40,
        "TINHSO_VNPAY_URL": "https://pay.vnpay.vn",
        "TINHSO_VNPAY_HASH_SECRET": "v" * 32,
        "TINHSO_DVCQG_PAY_URL": "https://thanhtoan.dichvucong.gov.vn",
        "TINHSO_DVCQG_HASH_KEY": "d" * 32,
        "TINHSO_SIGNING_KEY": "/etc/tinhso/province.p12",
        "TINHSO_SIGNING_TRUST_ROOTS": "/etc/tinhso/roots/vn-root-ca.crt",
    }
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True", "True", "False"], out.stderr[-2000:]


def test_public_photos_are_served_with_debug_off_and_private_files_never(client, settings, tmp_path):
    from django.urls import clear_url_caches

    settings.DEBUG = False
    photos = Path(settings.MEDIA_ROOT) / "fieldreports"
    photos.mkdir(parents=True, exist_ok=True)
    (photos / "test-served.jpg").write_bytes(b"\xff\xd8\xff\xe0photo")
    results = Path(settings.MEDIA_ROOT) / "dossiers" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "test-private.pdf").write_bytes(b"%PDF-1.7 private")
    try:
        clear_url_caches()
        served = client.get("/media/fieldreports/test-served.jpg")
        assert served.status_code == 200 and b"".join(served.streaming_content) == b"\xff\xd8\xff\xe0photo"
        assert client.get("/media/dossiers/results/test-private.pdf").status_code == 404
        climbing = Client(raise_request_exception=False).get(
            "/media/fieldreports/../dossiers/results/test-private.pdf"
        )
        assert climbing.status_code in (400, 404)
    finally:
        (photos / "test-served.jpg").unlink()
        (results / "test-private.pdf").unlink()


def test_the_api_docs_load_swagger_ui_from_the_platform(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/web/dist/swagger-ui-bundle.js" in html and "/static/web/dist/api-docs.js" in html
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "cdn" not in html.lower()
    assert client.get("/static/web/dist/swagger-ui-bundle.js").status_code == 200
