"""Service errors speak the reader's language: a stable code for machines, a message through gettext that is
translated when shown, so the English interface (Accept-Language or the language cookie) reads English."""

import ast
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from tinhso.catalog import selectors as catalog_selectors
from tinhso.core import services
from tinhso.core.errors import Conflict, InvalidInput, NotFound
from tinhso.core.models import Role
from tinhso.core.syntax import parse_module
from tinhso.testing.factories import official

pytestmark = pytest.mark.django_db

TINHSO = Path(__file__).resolve().parents[2]
# Modules whose refusals go through gettext; each of their literal messages must have its English.
TRANSLATED_MODULES = [
    "api.py",
    "core/services.py",
    "core/selectors.py",
    "core/money.py",
    "catalog/services.py",
    "catalog/selectors.py",
    "ioc/services.py",
    "ioc/exports.py",
    "ioc/periods.py",
    "notifications/services.py",
    "core/idempotency.py",
    "core/lifecycle.py",
    "dossiers/lifecycle.py",
    "dossiers/services.py",
    "dossiers/submission.py",
    "fieldreports/lifecycle.py",
    "fieldreports/services.py",
    "fieldreports/selectors.py",
]
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy"}


def test_an_error_is_translated_when_read_not_when_raised():
    with translation.override("vi"):
        error = NotFound(
            translation.gettext_lazy("Không tìm thấy thủ tục có mã “%(code)s”."),
            code="procedure_not_found",
            params={"code": "1.000001"},
        )
    with translation.override("en"):
        assert error.message == "No procedure has the code “1.000001”."
        assert str(error) == error.message
    with translation.override("vi"):
        assert error.message == "Không tìm thấy thủ tục có mã “1.000001”."
    assert error.code == "procedure_not_found"


def test_field_errors_follow_the_language_too():
    with translation.override("vi"), pytest.raises(InvalidInput) as raised:
        services.assign_role(actor=None, user=official("motcua"), role="chairman", unit_code="96")
    assert raised.value.errors == {"role": ["Vai trò “chairman” không tồn tại."]}
    with translation.override("en"):
        assert raised.value.errors == {"role": ["The role “chairman” does not exist."]}
        assert raised.value.message == "The role “chairman” does not exist."


def test_an_existing_username_is_refused_in_english_with_the_same_code():
    official("motcua", (Role.RECEPTIONIST, "96"))
    with pytest.raises(Conflict) as raised:
        official("motcua")
    assert raised.value.code == "username_exists"
    with translation.override("en"):
        assert raised.value.message == "The username “motcua” is already taken."


def test_the_api_answers_a_service_error_in_the_language_asked_for(client):
    path = "/api/v1/catalog/procedures/KHONG-CO"
    vietnamese = client.get(path)
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert vietnamese.status_code == english.status_code == 404
    assert english["Content-Type"] == "application/problem+json"
    assert vietnamese.json()["code"] == english.json()["code"] == "procedure_not_found"
    assert vietnamese.json()["title"] == "Không tìm thấy thủ tục có mã “KHONG-CO”."
    assert english.json()["title"] == "No procedure has the code “KHONG-CO”."


def test_the_api_problem_titles_follow_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json() == refused.json() | {
        "code": "unauthenticated",
        "title": "A valid access token (Bearer token) is required.",
    }
    wrong = client.post(
        "/api/v1/auth/token", {"username": "khongco", "password": "sai"}, content_type="application/json"
    )
    assert wrong.json()["code"] == "invalid_credentials"
    assert wrong.json()["title"] == "Wrong username or password."


def test_a_page_shows_the_service_error_in_english(client):
    missing = client.get("/thu-tuc/KHONG-CO/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert "No procedure has the code “KHONG-CO”." in missing.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    assert "Không tìm thấy thủ tục có mã “KHONG-CO”." in client.get("/thu-tuc/KHONG-CO/").content.decode()


def test_every_message_of_the_translated_modules_has_its_english():
    catalogue = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid for entry in catalogue.translated_entries()}
    missing = []
    for module in TRANSLATED_MODULES:
        for node in ast.walk(parse_module((TINHSO / module).read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value not in translated
            ):
                missing.append(f"{module}:{node.lineno} {node.args[0].value}")
    assert missing == []


def test_a_selector_refusal_keeps_its_machine_code_in_every_language():
    for language in ("vi", "en"):
        with translation.override(language), pytest.raises(NotFound) as raised:
            catalog_selectors.procedure_by_code("KHONG-CO")
        assert raised.value.code == "procedure_not_found"
        assert raised.value.extra == {"value": "KHONG-CO"}
