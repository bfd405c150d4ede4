"""Signing: PAdES B-LT with a timestamp from the platform's TSA over HTTP, a stamp in Vietnamese with a QR code,
the signed copy kept with its event; and what the verification says of intact, tampered, untrusted and revoked
documents."""

import subprocess
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fontTools import ttLib
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader
from pypdf.generic import ContentStream

from tinhso.core.models import Event
from tinhso.signing import events, pades, pki, profiles, services, verification
from tinhso.signing.models import SignedDocument
from tinhso.testing.signing import sample_pdf

pytestmark = pytest.mark.django_db


def _sign(**overrides) -> SignedDocument:
    arguments = {
        "actor": None,
        "pdf": sample_pdf(),
        "kind": SignedDocument.Kind.RESULT,
        "subject": "000.00.12.H12-261206-0001",
        "title": "Giấy chứng nhận đăng ký hộ kinh doanh",
        "reason": "Ký số kết quả giải quyết thủ tục hành chính",
        "location": "Cà Mau",
    } | overrides
    return services.sign_document(**arguments)


def _bytes(document: SignedDocument) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def test_a_signed_document_is_pades_b_lt_with_a_trusted_timestamp(signing_pki):
    document = _sign()

    data = _bytes(document)
    [signature] = verification.verify_pdf(data).signatures
    assert (signature.intact, signature.valid, signature.trusted, signature.revoked) == (
        True,
        True,
        True,
        False,
    )
    assert "UBND Tỉnh Cà Mau" in signature.signer
    assert signature.timestamp_time is not None and signature.timestamp_trusted is True
    assert signature.serial == document.serial
    reader = PdfFileReader(BytesIO(data))
    embedded = reader.embedded_signatures[0]
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES, not adbe.pkcs7
    dss = reader.root["/DSS"]  # B-LT: the chain and its CRL travel with the document
    assert len(dss["/CRLs"]) >= 1 and len(dss["/Certs"]) >= 2


def test_the_stamp_speaks_vietnamese_and_carries_the_qr_code_of_the_verification_page(signing_pki):
    document = _sign()

    reader = PdfReader(BytesIO(_bytes(document)))
    widget = reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()
    appearance = widget["/AP"]["/N"].get_object()
    resources = appearance["/Resources"]
    assert "BeVietnamPro" in resources["/Font"]["/F1"].get_object()["/BaseFont"]  # embedded, every letter
    assert "/QR" in resources["/XObject"]
    lines = [
        operands[1]["/ActualText"]
        for operands, operator in ContentStream(appearance, reader).operations
        if operator == b"BDC" and "/ActualText" in operands[1]
    ]
    url = services.verification_url(document.code)
    assert url.endswith(f"/xac-thuc/{document.code}/")
    assert lines[0] == "Ký bởi: UBND Tỉnh Cà Mau"
    assert f"Mã xác thực: {document.code}" in lines and f"Tra cứu: {url}" in lines


def _stamp_font(data: bytes) -> ttLib.TTFont:
    root: Any = PdfReader(BytesIO(data)).trailer["/Root"]  # pypdf's objects are untyped
    widget = root["/AcroForm"]["/Fields"][0].get_object()
    font = widget["/AP"]["/N"].get_object()["/Resources"]["/Font"]["/F1"].get_object()
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    return ttLib.TTFont(BytesIO(descriptor["/FontFile2"].get_object().get_data()))


def test_the_stamp_font_is_cut_once_to_the_vietnamese_alphabet_and_whole_for_a_rare_letter(signing_pki):
    bare, _ = pades._cut_font()
    drawn = ttLib.TTFont(BytesIO(bare)).getBestCmap()
    assert {ord(character) for character in pades.REPERTOIRE if character.isprintable()} <= set(drawn)

    def signed(url: str) -> bytes:
        stamp = pades.Stamp(code="ABCDEFGHJKMN", url=url, reason="Ký số", location="Cà Mau")
        return pades.sign_pdf(sample_pdf(), stamp=stamp, profile=profiles.profile(), timestamp=False)

    usual = _stamp_font(signed("https://dichvucong.camau.gov.vn/xac-thuc/ABCDEFGHJKMN/"))
    rare = _stamp_font(signed("https://dichvucong.camau.gov.vn/xac-thuc/ABCDEFGHJKMN/?ngôn-ngữ=español"))
    assert usual["maxp"].numGlyphs <= ttLib.TTFont(BytesIO(bare))["maxp"].numGlyphs < rare["maxp"].numGlyphs
    whole = ttLib.TTFont(str(pades.fontpkg.path(pades.FONT_FAMILY, 400)))
    n_tilde = whole.getGlyphID(whole.getBestCmap()[ord("ñ")])  # drawn from the whole font, not a blank box
    assert rare["glyf"][rare.getGlyphOrder()[n_tilde]].numberOfContours > 0


def test_signing_keeps_the_copy_and_records_the_event(signing_pki):
    document = _sign()

    assert document.sha256 == verification.verify_pdf(_bytes(document)).sha256
    event = Event.objects.get(action=events.SIGNED)
    assert event.payload["code"] == document.code and event.payload["sha256"] == document.sha256
    assert event.payload["timestamped"] is True


def test_without_a_timestamp_the_signature_is_still_valid(signing_pki):
    document = _sign(timestamp=False)

    [signature] = verification.verify_pdf(_bytes(document)).signatures
    assert signature.intact and signature.trusted and signature.timestamp_time is None
    assert document.timestamped is False


def test_a_tampered_document_is_not_intact(signing_pki):
    data = _bytes(_sign())
    width = data.index(b"595.28")  # the page's size, written before the signature, so under its digest
    tampered = data[:width] + b"6" + data[width + 1 :]

    [signature] = verification.verify_pdf(tampered).signatures
    assert signature.intact is False


def test_a_signature_from_an_unknown_root_is_not_trusted(signing_pki, settings, tmp_path):
    data = _bytes(_sign())
    pki.create_demo_ca(directory=tmp_path / "other", crl_url=signing_pki.crl_url, province="UBND Khác")
    settings.TINHSO_SIGNING_TRUST_ROOTS = [str(tmp_path / "other" / "root.crt")]

    [signature] = verification.verify_pdf(data).signatures
    assert signature.intact is True and signature.trusted is False


def test_a_revoked_signer_is_revoked(signing_pki):
    data = _bytes(_sign())
    signing_pki.revoke(pki.load_identity(signing_pki.directory / pki.SIGNER).certificate.serial_number)

    [signature] = verification.verify_pdf(data).signatures
    assert signature.revoked is True and signature.intact is True


def test_pyhankos_own_command_line_validator_accepts_the_signature(signing_pki, tmp_path):
    """The outside world's check: pyHanko's CLI, trusting only the root, fetching the CRL over HTTP."""
    path = tmp_path / "signed.pdf"
    path.write_bytes(_bytes(_sign()))
    root = signing_pki.directory / "root.crt"

    run = subprocess.run(
        [
            Path(sys.executable).parent / "pyhanko",
            "sign",
            "validate",
            "--trust",
            root,
            "--trust-replace",
            "--executive-summary",
            path,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.stdout.strip().endswith(":VALID"), run.stdout + run.stderr


def test_init_demo_ca_writes_the_pki_once(settings, tmp_path):
    settings.TINHSO_SIGNING_DEMO_DIR = tmp_path / "ca"
    call_command("signing", "init-demo-ca")
    root = (tmp_path / "ca" / "root.crt").read_bytes()
    assert {p.name for p in (tmp_path / "ca").iterdir()} >= {"root.crt", "signer.p12", "tsa.crt", "root.crl"}

    call_command("signing", "init-demo-ca")
    assert (tmp_path / "ca" / "root.crt").read_bytes() == root  # documents signed earlier stay verifiable
    call_command("signing", "init-demo-ca", "--force")
    assert (tmp_path / "ca" / "root.crt").read_bytes() != root


def test_init_demo_ca_refuses_production(settings, tmp_path):
    settings.TINHSO_ENV = "production"
    settings.TINHSO_SIGNING_DEMO_DIR = tmp_path / "ca"
    with pytest.raises(CommandError):
        call_command("signing", "init-demo-ca")
    assert not (tmp_path / "ca").exists()
