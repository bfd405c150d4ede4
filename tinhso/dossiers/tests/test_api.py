"""The dossier API applies the services' rules and speaks problem+json."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from tinhso.catalog import selectors as catalog_selectors
from tinhso.dossiers.models import Dossier, DossierCounter
from tinhso.testing.dossiers import (
    AN_XUYEN,
    BIRTH,
    BIRTH_FORM,
    RECORD,
    RECORD_FORM,
    RESIDENCE,
    RESIDENCE_FORM,
)
from tinhso.testing.factories import bearer

pytestmark = pytest.mark.django_db
API = "/api/v1/dossiers"


def post(client, path: str, body: dict, auth: dict, **headers):
    return client.post(f"{API}{path}", body, content_type="application/json", **auth, **headers)


def test_submission_honours_the_idempotency_key(client, cast):
    an = bearer("096090001234")
    body = {"procedure_code": RECORD, "form_data": RECORD_FORM}
    first = post(client, "", body, an, HTTP_IDEMPOTENCY_KEY="9f0e-lltp")
    retry = post(client, "", body, an, HTTP_IDEMPOTENCY_KEY="9f0e-lltp")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["code"] == retry.json()["code"] and Dossier.objects.count() == 1
    assert first.json()["status"] == 1 and first.json()["procedure_version"] == 1
    changed = post(
        client, "", body | {"form_data": RECORD_FORM | {"copies": 3}}, an, HTTP_IDEMPOTENCY_KEY="9f0e-lltp"
    )
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"


def test_an_idempotency_key_too_long_to_store_is_refused_before_anything_is_written(client, cast):
    an = bearer("096090001234")
    body = {"procedure_code": RECORD, "form_data": RECORD_FORM}
    answer = post(client, "", body, an, HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"]["Idempotency-Key"] == ["Idempotency-Key phải dài từ 1 đến 200 ký tự."]
    assert not Dossier.objects.exists() and not DossierCounter.objects.exists()


def test_a_submission_reads_then_takes_its_number_then_writes_all_or_nothing(client, cast, monkeypatch):
    monkeypatch.setattr(catalog_selectors, "LAST_SEEN_SECONDS", 60.0)  # however slow the machine
    an = bearer("096090001234")
    body = {"procedure_code": RECORD, "form_data": RECORD_FORM}
    post(client, "", body, an)  # loads the year's calendar and the procedure's desk into the process's caches
    with CaptureQueriesContext(connection) as statements:
        answer = post(client, "", body, an, HTTP_IDEMPOTENCY_KEY="c2d4-lltp")
    assert answer.status_code == 201 and answer.json()["documents"] == []
    verbs = [query["sql"].split()[0].upper() for query in statements.captured_queries]
    # The bearer token's user; the procedure's version seen current a moment ago is confirmed by the number's
    # upsert, and the Idempotency-Key is claimed by the insert, not looked up.
    reads = ["SELECT"]
    if connection.vendor == "postgresql":
        # The counter's upsert commits on its own, so its row lock is not held while the dossier is written;
        # the dossier, its first event and the key are one statement, atomic without BEGIN and COMMIT.
        # Inside the test's transaction a savepoint keeps a refused insert from aborting it.
        assert verbs == [*reads, "INSERT", "SAVEPOINT", "WITH", "RELEASE"], statements.captured_queries
        numbering = statements.captured_queries[1]["sql"]
        assert "nextval" in numbering  # the dossier's id comes with its number
        assert "is_current" in numbering
        return
    # The test's own transaction turns the atomic block into a savepoint.
    assert verbs == [
        *reads,
        "INSERT",  # the day's counter, incremented and read in the same statement
        "INSERT",  # the dossier's id, reserved: the first time, the table's row of sqlite_sequence
        "UPDATE",
        "SAVEPOINT",
        "INSERT",  # the dossier, under its code
        "INSERT",  # its first event
        "INSERT",  # the Idempotency-Key, pointing at the dossier
        "RELEASE",
    ], statements.captured_queries


def _instants(dossier: dict) -> dict:
    # The answer keeps the zone a deadline was computed in (+07:00), a read gives UTC: same instants.
    return {
        name: parse_datetime(value) if name.endswith("_at") and value else value
        for name, value in dossier.items()
    }


def test_the_answer_to_a_submission_is_the_dossier_as_the_api_reads_it(client, cast):
    an = bearer("096090001234")
    for body in (
        {"procedure_code": RECORD, "form_data": RECORD_FORM},
        {"procedure_code": RESIDENCE, "form_data": RESIDENCE_FORM, "receiving_unit": AN_XUYEN},
    ):
        submitted = post(client, "", body, an)
        assert submitted.status_code == 201
        read = client.get(f"{API}/{submitted.json()['code']}", **an)
        assert _instants(submitted.json()) == _instants(read.json())
        assert submitted["Content-Type"] == read["Content-Type"]
        assert list(submitted.json()) == list(read.json())  # the schema's order of fields


def test_a_bad_form_is_a_422_problem_with_errors_per_field(client, cast):
    an = bearer("096090001234")
    answer = post(client, "", {"procedure_code": RECORD, "form_data": {"copies": 0}}, an)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    problem = json.loads(answer.content)
    assert problem["code"] == "invalid_input"
    assert problem["errors"] == {
        "certificate_type": ["Cần nhập thông tin này."],
        "purpose": ["Cần nhập thông tin này."],
        "copies": ["Không được nhỏ hơn 1."],
    }
    assert not Dossier.objects.exists()


def test_officials_act_with_the_version_and_a_stale_one_gets_409_with_the_current_state(client, cast):
    an, desk, specialist, leader = (
        bearer(name) for name in ("096090001234", "motcua", "chuyenvien", "lanhdao")
    )
    code = post(client, "", {"procedure_code": RECORD, "form_data": RECORD_FORM}, an).json()["code"]
    assert [item["dossier"]["code"] for item in client.get(f"{API}/queue", **desk).json()] == [code]
    accepted = post(client, f"/{code}/accept", {"version": 1}, desk)
    assert accepted.status_code == 200 and accepted.json()["status"] == 2
    stale = post(client, f"/{code}/refuse", {"version": 1, "reason": "Thiếu tờ khai"}, desk)
    assert stale.status_code == 409 and stale["Content-Type"] == "application/problem+json"
    assert stale.json()["code"] == "stale_version"
    assert stale.json()["current"] == {
        "code": code,
        "status": 2,
        "status_label": "Được tiếp nhận",
        "version": 2,
        "current_step": 1,
        "current_unit": "000.00.01.H12",
    }
    assert post(client, f"/{code}/forward", {"version": 2}, desk).json()["current_step"] == 2
    forbidden = post(client, f"/{code}/forward", {"version": 3}, leader)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "not_at_your_step"
    assert (
        post(client, f"/{code}/forward", {"version": 3, "note": "Đủ điều kiện"}, specialist).status_code
        == 200
    )
    result = SimpleUploadedFile("phieu.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    finished = client.post(f"{API}/{code}/finish", {"version": 4, "result_file": result}, **leader)
    assert finished.status_code == 200 and finished.json()["status"] == 9
    assert post(client, f"/{code}/return", {"version": 5}, desk).json()["status"] == 10
    rated = post(client, f"/{code}/rate", {"version": 6, "rating": 3, "comment": "Nhanh, đúng hẹn"}, an)
    assert rated.json()["rating"] == 3
    assert [d["code"] for d in client.get(f"{API}/mine", **an).json()] == [code]


def test_a_citizen_cannot_read_anothers_dossier_and_tracking_is_public(client, cast):
    an, ngoc = bearer("096090001234"), bearer("096195004321")
    code = post(client, "", {"procedure_code": RECORD, "form_data": RECORD_FORM}, an).json()["code"]
    assert client.get(f"{API}/{code}", **an).status_code == 200
    hidden = client.get(f"{API}/{code}", **ngoc)
    assert hidden.status_code == 404 and hidden.json()["code"] == "dossier_not_found"
    assert post(client, f"/{code}/withdraw", {"version": 1}, ngoc).status_code == 404
    assert client.get(f"{API}/{code}").status_code == 401
    tracked = client.get(f"{API}/tracking/{code}")
    assert tracked.status_code == 200 and tracked.json()["status_label"] == "Mới đăng ký"
    assert "Nguyễn Văn An" not in tracked.content.decode() and "form_data" not in tracked.json()
    withdrawn = post(client, f"/{code}/withdraw", {"version": 1, "reason": "Nộp nhầm"}, an)
    assert withdrawn.json()["status"] == 7


def test_the_openapi_document_lists_the_dossier_and_catalog_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/dossiers", "/api/v1/dossiers/{code}/accept", "/api/v1/catalog/procedures"} <= set(paths)


def test_a_bundle_is_one_request_making_linked_dossiers(client, cast):
    an = bearer("096090001234")
    child_card = {
        "child_full_name": "Nguyễn Ngọc Bảo Anh",
        "child_birth_date": "2026-02-02",
        "primary_care_facility": "Trạm Y tế phường An Xuyên",
    }
    body = {
        "bundle_code": "LT-KHAISINH",
        "receiving_unit": AN_XUYEN,
        "forms": {BIRTH: BIRTH_FORM, RESIDENCE: RESIDENCE_FORM, "H12-BHYT-01": child_card},
    }
    answer = post(client, "/bundles", body, an, HTTP_IDEMPOTENCY_KEY="lt-khaisinh-1")
    assert answer.status_code == 201
    dossiers = answer.json()
    assert [d["procedure_code"] for d in dossiers] == [BIRTH, RESIDENCE, "H12-BHYT-01"]
    assert {d["group_code"] for d in dossiers} == {dossiers[0]["code"]}
    retry = post(client, "/bundles", body, an, HTTP_IDEMPOTENCY_KEY="lt-khaisinh-1")
    assert [d["code"] for d in retry.json()] == [d["code"] for d in dossiers]
    assert Dossier.objects.count() == 3


def test_the_applicant_attaches_files_through_the_api_and_a_wrong_type_is_refused(client, cast):
    an = bearer("096090001234")
    code = post(client, "", {"procedure_code": RECORD, "form_data": RECORD_FORM}, an).json()["code"]
    pdf = SimpleUploadedFile("to-khai.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    attached = client.post(f"{API}/{code}/documents", {"version": 1, "files": [pdf]}, **an)
    assert attached.status_code == 200 and attached.json()["version"] == 2
    assert [d["content_type"] for d in attached.json()["documents"]] == ["application/pdf"]
    fake = SimpleUploadedFile("anh.png", b"<html>not an image</html>", content_type="image/png")
    refused = client.post(f"{API}/{code}/documents", {"version": 2, "files": [fake]}, **an)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"attachments": ["“anh.png” không phải tệp PDF, JPEG hoặc PNG."]}


def test_a_nul_character_in_the_body_is_refused_with_the_field_named_and_nothing_written(client, cast):
    an = bearer("096090001234")
    body = {"procedure_code": RECORD, "form_data": RECORD_FORM | {"purpose": "Xin việc\x00"}}
    refused = post(client, "", body, an)
    assert refused.status_code == 422 and refused.json()["code"] == "nul_character"
    assert refused.json()["errors"] == {"form_data.purpose": ["Không được chứa ký tự NUL (mã 0)."]}
    assert not Dossier.objects.exists() and not DossierCounter.objects.exists()


def test_an_upload_whose_multipart_body_cannot_be_read_gets_400_and_changes_nothing(client, cast):
    an = bearer("096090001234")
    code = post(client, "", {"procedure_code": RECORD, "form_data": RECORD_FORM}, an).json()["code"]
    unreadable = client.post(
        f"{API}/{code}/documents", b"version=1", content_type="multipart/form-data", **an
    )
    assert unreadable.status_code == 400 and unreadable["Content-Type"] == "application/problem+json"
    assert unreadable.json()["code"] == "malformed_body"
    assert Dossier.objects.get(code=code).version == 1
    pdf = SimpleUploadedFile("to-khai.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    nul_field = client.post(f"{API}/{code}/documents", {"version": "1\x00", "files": [pdf]}, **an)
    assert nul_field.status_code == 422 and nul_field.json()["code"] == "nul_character"
    assert list(nul_field.json()["errors"]) == ["version"]
    assert Dossier.objects.get(code=code).version == 1


def test_fees_are_requested_and_confirmed_through_the_api(client, cast):
    an, desk, specialist = (bearer(name) for name in ("096090001234", "motcua", "chuyenvien"))
    code = post(client, "", {"procedure_code": RECORD, "form_data": RECORD_FORM}, an).json()["code"]
    post(client, f"/{code}/accept", {"version": 1}, desk)
    post(client, f"/{code}/forward", {"version": 2}, desk)
    asked = post(
        client,
        f"/{code}/request-payment",
        {"version": 3, "amount": 200000, "note": "Phí cấp phiếu"},
        specialist,
    )
    assert asked.json()["status"] == 6
    assert post(client, f"/{code}/confirm-payment", {"version": 4, "receipt": " "}, desk).status_code == 422
    paid = post(client, f"/{code}/confirm-payment", {"version": 4, "receipt": "BL-2026-000871"}, desk)
    assert paid.json()["status"] == 4


@pytest.mark.parametrize("amount", [10**30, 10**12, 0, -5])
def test_a_payment_request_out_of_range_is_refused_and_changes_nothing(client, cast, amount):
    an, desk, specialist = (bearer(name) for name in ("096090001234", "motcua", "chuyenvien"))
    code = post(client, "", {"procedure_code": RECORD, "form_data": RECORD_FORM}, an).json()["code"]
    post(client, f"/{code}/accept", {"version": 1}, desk)
    post(client, f"/{code}/forward", {"version": 2}, desk)
    asked = post(client, f"/{code}/request-payment", {"version": 3, "amount": amount}, specialist)
    assert asked.status_code == 422 and asked["Content-Type"] == "application/problem+json"
    assert asked.json()["code"] == "amount_out_of_range" and list(asked.json()["errors"]) == ["amount"]
    assert Dossier.objects.get(code=code).version == 3
    largest = post(client, f"/{code}/request-payment", {"version": 3, "amount": 999_999_999_999}, specialist)
    assert largest.json()["status"] == 6
