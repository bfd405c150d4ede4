"""Sign-in pages, bearer tokens and problem+json errors."""

import json

import pytest
from django.urls import reverse

from tinhso.core.models import Role
from tinhso.testing.factories import JUSTICE, citizen, official

pytestmark = pytest.mark.django_db


def test_a_citizen_signs_in_with_the_citizen_id(client):
    citizen()
    response = client.post(
        reverse("core:citizen-login"), {"username": "096090001234", "password": "Camau@2026"}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"].full_name == "Nguyễn Văn An"


def test_each_sign_in_page_refuses_the_other_kind_of_account(client):
    citizen()
    official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    page = client.post(reverse("core:official-login"), {"username": "096090001234", "password": "Camau@2026"})
    assert "không dùng để đăng nhập ở trang này" in page.content.decode()
    page = client.post(reverse("core:citizen-login"), {"username": "chuyenvien", "password": "Camau@2026"})
    assert "không dùng để đăng nhập ở trang này" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_gets_a_vietnamese_message(client):
    citizen()
    page = client.post(
        reverse("core:citizen-login"), {"username": "096090001234", "password": "sai-mat-khau"}
    )
    assert page.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.content.decode()


def test_the_session_cookie_is_http_only_and_same_site(client, settings):
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    citizen()
    response = client.post(
        reverse("core:citizen-login"), {"username": "096090001234", "password": "Camau@2026"}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def post_json(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_the_api_issues_a_bearer_token_that_identifies_the_account(client):
    official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    response = post_json(client, "/api/v1/auth/token", {"username": "chuyenvien", "password": "Camau@2026"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 40
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["roles"] == [
        {
            "role": "specialist",
            "domain": "dossiers",
            "unit_code": JUSTICE,
            "unit_name": "Sở Tư pháp tỉnh Cà Mau",
        }
    ]


def test_api_errors_are_problem_json_with_stable_codes(client):
    official("chuyenvien", (Role.SPECIALIST, JUSTICE))
    wrong = post_json(client, "/api/v1/auth/token", {"username": "chuyenvien", "password": "nope"})
    assert wrong.status_code == 401 and wrong["Content-Type"] == "application/problem+json"
    assert wrong.json()["code"] == "invalid_credentials"
    malformed = post_json(client, "/api/v1/auth/token", {"username": "chuyenvien"})
    assert malformed.status_code == 422 and malformed.json()["code"] == "validation_error"
    assert "password" in malformed.json()["errors"]
    anonymous = client.get("/api/v1/me")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


def test_the_openapi_document_and_docs_are_served(client):
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Tỉnh số API"
    assert client.get("/api/v1/docs").status_code == 200
