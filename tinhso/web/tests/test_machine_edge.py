"""The machine interfaces (/api/ and /open311/) answer problem+json whatever goes wrong, and never a 500 for
text no column can hold or a body too large."""

import json

import pytest
from django.test import Client

from tinhso.api import api
from tinhso.catalog import selectors as catalog_selectors
from tinhso.web.machine_edge import surrogate_paths

pytestmark = pytest.mark.django_db
LONE_SURROGATE_BODY = '{"username": "\\ud800", "note": "ok", "form_data": {"purpose": ["x", "a\\udfff"]}}'


def _operations(methods: set[str]) -> list[tuple[str, str]]:
    """(method, path with its parameters filled) of every operation the OpenAPI document publishes."""
    schema = api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        for method in operations:
            if method.upper() in methods:
                filled = path.replace("{", "").replace("}", "")  # {code} -> code: any text will do
                found.append((method, filled))
    return found


def test_a_lone_surrogate_in_a_json_body_is_refused_on_every_operation_that_takes_one(client):
    operations = _operations({"POST", "PUT", "PATCH", "DELETE"})
    assert len(operations) > 20
    for method, path in operations:
        answer = getattr(client, method)(path, LONE_SURROGATE_BODY, content_type="application/json")
        assert answer.status_code == 422, (method, path, answer.content[:200])
        assert answer["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == "invalid_text"
        assert set(answer.json()["errors"]) == {"username", "form_data.purpose.1"}


def test_the_token_endpoint_refuses_a_lone_surrogate_before_looking_anyone_up(client):
    answer = client.post(
        "/api/v1/auth/token", '{"username": "a\\uDBFF", "password": "x"}', "application/json"
    )
    assert answer.status_code == 422 and answer.json()["errors"] == {
        "username": ["Văn bản chứa ký tự không hợp lệ (nửa cặp UTF-16 đứng riêng)."]
    }


def test_a_surrogate_pair_is_text_and_passes():
    pair = json.loads('"\\ud83d\\ude00"')  # JSON's escaped pair is one character once parsed
    assert surrogate_paths({"note": "\U0001f600 Cà Mau", "items": [pair]}) == []
    assert surrogate_paths({"a\ud800": 1, "b": ["x", {"c": "\udc00"}]}) == ["a\ufffd", "b.1.c"]
    answer = Client().post(
        "/api/v1/auth/token", '{"username": "\\ud83d\\ude00", "password": "x"}', "application/json"
    )
    assert answer.status_code == 401 or answer.json()["code"] != "invalid_text"


def test_a_json_body_over_the_upload_limit_is_problem_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"username": "' + "a" * 2000 + '", "password": "x"}'
    answer = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert answer.status_code == 413 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "body_too_large"


def test_too_many_form_fields_on_open311_is_problem_json_not_an_html_page(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"attribute[{number}]": "x" for number in range(10)}
    answer = client.post("/open311/v2/requests.json", fields)
    assert answer.status_code == 400 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "bad_request"


def test_an_unknown_api_path_is_problem_json_404(client):
    answer = client.get("/api/v2/nothing-here")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"


def test_an_unexpected_error_is_a_problem_json_500_naming_no_internals(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("relation core_secret_table does not exist at /srv/tinhso/catalog/selectors.py")

    monkeypatch.setattr(catalog_selectors, "search_procedures", broken)
    client = Client(raise_request_exception=False)
    for debug in (False, True):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("django.conf.settings.DEBUG", debug)
            answer = client.get("/api/v1/catalog/procedures")
        assert answer.status_code == 500 and answer["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == "internal_error"
        assert b"core_secret_table" not in answer.content and b"RuntimeError" not in answer.content


def test_an_unexpected_error_on_open311_is_a_problem_json_500(monkeypatch):
    from tinhso.fieldreports import open311

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero in open311.py line 42")

    monkeypatch.setattr(open311, "render", broken)
    answer = Client(raise_request_exception=False).get("/open311/v2/services.json")
    assert answer.status_code == 500 and answer["Content-Type"] == "application/problem+json"
    assert b"ZeroDivisionError" not in answer.content and b"open311.py" not in answer.content
