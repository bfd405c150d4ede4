"""Error pages in Vietnamese, and text no database column can hold refused before any view."""

import pytest
from django.template.loader import render_to_string

from tinhso.web.middleware import nul_paths

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_a_path_or_a_query_is_refused_with_400(client):
    page = client.get("/thu-tuc/1.001193\x00/")
    assert page.status_code == 400 and "Yêu cầu không hợp lệ" in page.content.decode()
    query = client.get("/thu-tuc/", {"q": "khai\x00sinh"})
    assert query.status_code == 400
    api = client.get("/api/v1/catalog/procedures/%00")
    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    assert api.json()["code"] == "nul_character"
    assert client.get("/api/v1/catalog/procedures", {"q": "\x00"}).json()["code"] == "nul_character"
    assert client.get("/thu-tuc/", {"q": "khai sinh 100%"}).status_code == 200


def test_nul_paths_name_every_field_holding_a_nul_character():
    body = {"procedure_code": "ok", "form_data": {"purpose": "a\x00", "items": ["x", "\x00"], "k\x00": 1}}
    assert nul_paths(body) == ["form_data.purpose", "form_data.items.1", "form_data.k\\0"]
    assert nul_paths({"copies": 1, "note": "Số 12, khóm 3"}) == []


def test_a_missing_page_says_why_in_vietnamese_and_in_english(client):
    missing = client.get("/thu-tuc/9.999999/")
    html = missing.content.decode()
    assert missing.status_code == 404 and "Không tìm thấy trang" in html
    assert "Không tìm thấy thủ tục có mã “9.999999”." in html
    unknown = client.get("/khong-co-trang-nay/", HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 404 and "Page not found" in unknown.content.decode()
    assert "Resolver404" not in unknown.content.decode()


def test_the_server_error_page_stands_alone_in_vietnamese():
    html = render_to_string("500.html")
    assert "Lỗi hệ thống" in html and "vẫn được lưu giữ" in html


def test_a_nul_character_in_a_page_form_is_refused_with_400_but_not_in_an_uploaded_file(client):
    from urllib.parse import urlencode

    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"username": "lanh\x00daotinh", "password": "x"}
    encoded = client.post(
        "/can-bo/dang-nhap/", urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert encoded.status_code == 400 and "Yêu cầu không hợp lệ" in encoded.content.decode()
    assert client.post("/can-bo/dang-nhap/", form).status_code == 400  # multipart
    upload = SimpleUploadedFile("anh.jpg", b"\xff\xd8\x00\x00binary", content_type="image/jpeg")
    with_file = client.post(
        "/can-bo/dang-nhap/", {"username": "lanhdaotinh", "password": "x", "photo": upload}
    )
    assert with_file.status_code == 200  # the sign-in form answers: the file's NUL bytes are not text


def test_whole_number_takes_only_what_the_database_can_hold():
    from tinhso.core.parsing import BIGINT_MAX, whole_number

    assert whole_number("12") == 12 and whole_number("2147483647") == 2**31 - 1
    assert [whole_number(text) for text in ("", "²", "-1", "1.5", "2147483648", "9" * 40)] == [None] * 6
    assert whole_number("2147483648", BIGINT_MAX) == 2**31
