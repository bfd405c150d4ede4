"""Verification for anyone: POST /api/v1/signatures/verify and the /xac-thuc/ page, by code or by upload."""

import pytest
from django.test import Client

from tinhso.signing import pki, reports, services
from tinhso.signing.models import SignedDocument
from tinhso.testing.factories import citizen
from tinhso.testing.signing import sample_pdf

pytestmark = pytest.mark.django_db
SUBJECT = "000.00.12.H12-261206-0007"


def _signed(owner=None) -> tuple[SignedDocument, bytes]:
    document = services.sign_document(
        actor=None,
        pdf=sample_pdf(),
        kind=SignedDocument.Kind.RESULT,
        subject=SUBJECT,
        title="Giấy phép xây dựng",
        reason="Ký số kết quả",
        location="Cà Mau",
        owner=owner,
    )
    with document.file.open("rb") as stored:
        return document, stored.read()


def _verify(client: Client, data: bytes, name: str = "ket-qua.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post("/api/v1/signatures/verify", {"file": upload})


def test_the_api_reports_every_field_of_a_valid_signature(client, signing_pki):
    document, data = _signed()

    answer = _verify(client, data)

    assert answer.status_code == 200
    body = answer.json()
    [signature] = body["signatures"]
    assert body["sha256"] == document.sha256 and body["all_valid"] is True
    assert signature["intact"] and signature["valid"] and signature["trusted"] and not signature["revoked"]
    assert "UBND Tỉnh Cà Mau" in signature["signer"] and "Root CA" in signature["issuer"]
    assert signature["serial"] == document.serial
    assert (
        signature["signing_time"] and signature["timestamp_time"] and signature["timestamp_trusted"] is True
    )
    assert signature["coverage"] in {"ENTIRE_FILE", "ENTIRE_REVISION"}
    assert signature["modification_level"] in {"NONE", "LTA_UPDATES"}
    issued = body["issued"]
    assert issued["code"] == document.code and issued["subject"] == SUBJECT and issued["kind"] == "result"
    assert issued["verification_url"].endswith(f"/xac-thuc/{document.code}/")


def test_the_api_answers_tampered_untrusted_and_revoked(client, signing_pki, settings, tmp_path):
    _, data = _signed()
    width = data.index(b"595.28")
    tampered = data[:width] + b"6" + data[width + 1 :]
    assert _verify(client, tampered).json()["signatures"][0]["intact"] is False
    assert _verify(client, tampered).json()["issued"] is None  # not the file the platform issued

    signing_pki.revoke(pki.load_identity(signing_pki.directory / pki.SIGNER).certificate.serial_number)
    revoked = _verify(client, data).json()
    assert revoked["signatures"][0]["revoked"] is True and revoked["all_valid"] is False

    pki.create_demo_ca(directory=tmp_path / "other", crl_url=signing_pki.crl_url, province="UBND Khác")
    settings.TINHSO_SIGNING_TRUST_ROOTS = [str(tmp_path / "other" / "root.crt")]
    assert _verify(client, data).json()["signatures"][0]["trusted"] is False


def test_a_file_that_is_not_a_pdf_is_a_400_problem(client, signing_pki):
    answer = _verify(client, b"PK\x03\x04 not a pdf at all", name="ket-qua.docx")

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "not_a_pdf"


def test_a_broken_pdf_is_a_400_problem_too(client, signing_pki):
    answer = _verify(client, b"%PDF-1.7\n garbage without a trailer")

    assert answer.status_code == 400 and answer.json()["code"] == "not_a_pdf"


def test_an_unsigned_pdf_has_no_signature(client, signing_pki):
    body = _verify(client, sample_pdf()).json()

    assert body["signatures"] == [] and body["all_valid"] is False and body["issued"] is None


def test_a_missing_file_is_refused_with_a_problem(client, signing_pki):
    answer = client.post("/api/v1/signatures/verify", {})

    assert answer.status_code in (400, 422) and answer["Content-Type"] == "application/problem+json"


def test_verification_is_limited_per_address(client, signing_pki, monkeypatch):
    monkeypatch.setattr(
        reports, "VERIFICATIONS_PER_ADDRESS", reports.throttle.Limit("verifications-test", 2, 600)
    )
    for _ in range(2):
        assert _verify(client, sample_pdf()).status_code == 200

    refused = _verify(client, sample_pdf())
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"


def test_the_page_by_code_shows_a_valid_signature_without_personal_data(client, signing_pki):
    owner = citizen(full_name="Trần Thị Mai")
    document, _ = _signed(owner=owner)

    page = client.get(f"/xac-thuc/{document.code.lower()}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Chữ ký số hợp lệ" in text and SUBJECT in text and "Giấy phép xây dựng" in text
    assert "Trần Thị Mai" not in text and owner.citizen_id not in text
    assert f"/xac-thuc/{document.code}/tai-ve/" not in text  # the copy itself only to its owner


def test_the_lookup_form_takes_the_printed_code(client, signing_pki):
    document, _ = _signed()

    answer = client.get("/xac-thuc/", {"code": f" {document.code.lower()} "})

    assert answer.status_code == 302 and answer["Location"] == f"/xac-thuc/{document.code}/"


def test_an_unknown_code_is_said_beside_the_field(client, signing_pki):
    page = client.get("/xac-thuc/KHONGCOMA/")

    assert page.status_code == 404
    assert "Không có văn bản ký số nào mang mã xác thực" in page.content.decode()


def test_the_upload_form_checks_a_pdf_and_refuses_anything_else(client, signing_pki):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, data = _signed()
    page = client.post("/xac-thuc/", {"file": SimpleUploadedFile("kq.pdf", data, "application/pdf")})
    assert page.status_code == 200 and "Chữ ký số hợp lệ" in page.content.decode()

    refused = client.post("/xac-thuc/", {"file": SimpleUploadedFile("a.png", b"\x89PNG....", "image/png")})
    assert refused.status_code == 400 and "không phải là một tệp PDF" in refused.content.decode()


def test_only_the_owner_downloads_the_signed_copy(client, signing_pki):
    owner = citizen()
    other = citizen(citizen_id="096090009999")
    document, data = _signed(owner=owner)
    url = f"/xac-thuc/{document.code}/tai-ve/"

    assert client.get(url).status_code == 404
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(owner)
    answer = client.get(url)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == data


def test_the_timestamp_authority_refuses_what_is_not_a_timestamp_query(client, signing_pki, settings):
    assert client.post("/ky-so/tsa", b"x", content_type="text/plain").status_code == 415
    assert client.post("/ky-so/tsa", b"x", content_type="application/timestamp-query").status_code == 400
    settings.TINHSO_SIGNING_LOCAL_TSA = False
    assert client.post("/ky-so/tsa", b"x", content_type="application/timestamp-query").status_code == 404
    assert client.get("/ky-so/crl/root.crl").status_code == 404


def test_the_crl_is_served_where_the_certificates_point(client, signing_pki):
    answer = client.get("/ky-so/crl/root.crl")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/pkix-crl"
    assert answer.content == (signing_pki.directory / pki.CRL).read_bytes()
