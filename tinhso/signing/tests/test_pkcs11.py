"""The PKCS#11 profile against a SoftHSM2 token: the province's key never leaves the token, signs through the
normal signing service, and the verification says intact, valid and trusted. A wrong PIN, a missing token or
a session that died is said clearly, and the signing job tries again later without losing the result."""

import logging

import pkcs11
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from pyhanko.sign.pkcs11 import PKCS11Signer

from tinhso.dossiers import services as dossier_services
from tinhso.signing import profiles, selectors, services, verification
from tinhso.signing.models import SignedDocument
from tinhso.testing.dossier_flow import in_state
from tinhso.testing.signing import sample_pdf

pytestmark = pytest.mark.django_db
WRONG_PIN = "sai-pin-8642"


def _sign() -> SignedDocument:
    return services.sign_document(
        actor=None,
        pdf=sample_pdf(),
        kind=SignedDocument.Kind.RESULT,
        subject="000.00.12.H12-261207-0001",
        title="Giấy chứng nhận đăng ký hộ kinh doanh",
        reason="Ký số kết quả giải quyết thủ tục hành chính",
        location="Cà Mau",
    )


def _read(document: SignedDocument) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def _profile_with(settings, **changes: str) -> None:
    default = settings.TINHSO_SIGNING_PROFILES["default"]
    settings.TINHSO_SIGNING_PROFILES = {"default": default | changes}


def test_the_key_on_the_token_signs_and_the_signature_is_intact_valid_and_trusted(pkcs11_signing, client):
    first, second = _sign(), _sign()  # one session, logged in once, signs both

    for document in (first, second):
        [signature] = verification.verify_pdf(_read(document)).signatures
        assert (signature.intact, signature.valid, signature.trusted, signature.revoked) == (
            True,
            True,
            True,
            False,
        )
        assert "UBND Tỉnh Cà Mau" in signature.signer and signature.timestamp_trusted is True
    page = client.get(f"/xac-thuc/{first.code}/")
    assert page.status_code == 200 and "Chữ ký số hợp lệ" in page.content.decode()
    signer = profiles.load_signer(profiles.profile())
    assert isinstance(signer, PKCS11Signer) and signer.signing_cert.serial_number == int(first.serial, 16)
    key = signer._key_handle  # the token refuses to hand the key out
    assert key[pkcs11.Attribute.SENSITIVE] and not key[pkcs11.Attribute.EXTRACTABLE]


def _finish(cast):
    dossier = in_state(cast, "at_last_step")
    return dossier_services.finish(
        actor=cast.leader,
        code=dossier.code,
        version=dossier.version,
        result_file=ContentFile(sample_pdf(), name="ket-qua.pdf"),
    )


def test_a_wrong_pin_keeps_the_result_for_the_next_run_and_is_never_logged(
    cast, pkcs11_signing, settings, caplog
):
    dossier = _finish(cast)
    _profile_with(settings, passphrase=WRONG_PIN)

    with caplog.at_level(logging.DEBUG):
        assert services.sign_pending() == 0

    assert selectors.signed_result(dossier_code=dossier.code) is None
    assert "Mã PIN của thiết bị ký số “tinhso-thu-nghiem” không đúng" in caplog.text
    assert WRONG_PIN not in caplog.text and pkcs11_signing.pin not in caplog.text
    assert WRONG_PIN not in repr(profiles.profile())

    _profile_with(settings, passphrase=pkcs11_signing.pin)
    assert services.sign_pending() >= 1  # the result, and the forms of the steps before
    result = selectors.signed_result(dossier_code=dossier.code)
    [signature] = verification.verify_pdf(_read(result.file)).signatures
    assert signature.intact and signature.valid and signature.trusted


def test_a_wrong_pin_is_tried_on_the_token_once_per_process(pkcs11_signing, settings, monkeypatch):
    """A token locks itself after a few wrong PINs: the job, every minute, must not spend them."""
    _profile_with(settings, passphrase=WRONG_PIN)
    loads = []
    real_lib = pkcs11.lib
    monkeypatch.setattr(pkcs11, "lib", lambda path: loads.append(path) or real_lib(path))

    for _ in range(3):
        with pytest.raises(profiles.KeyUnavailable):
            _sign()

    assert len(loads) == 1
    assert not SignedDocument.objects.exists()


def test_a_missing_token_is_said_in_vietnamese_and_in_english(pkcs11_signing, settings):
    _profile_with(settings, pkcs11_token="khong-co")

    with pytest.raises(profiles.KeyUnavailable) as said:
        _sign()
    with translation.override("en"), pytest.raises(profiles.KeyUnavailable) as said_in_english:
        _sign()

    assert str(said.value).startswith("Không tìm thấy thiết bị ký số “khong-co”")
    assert str(said_in_english.value).startswith("Signing token “khong-co” was not found")
    assert not SignedDocument.objects.exists()


def test_a_missing_module_is_said(pkcs11_signing, settings, tmp_path):
    _profile_with(settings, key=str(tmp_path / "libkhongco.so"))

    with pytest.raises(profiles.KeyUnavailable, match="Không có thư viện PKCS#11"):
        _sign()


def test_a_session_that_died_is_opened_afresh_by_the_next_run(pkcs11_signing):
    _sign()
    profiles.load_signer(profiles.profile()).pkcs11_session.close()  # the token unplugged, the HSM restarted

    with pytest.raises(profiles.KeyUnavailable, match="chưa ký được"):
        _sign()
    document = _sign()

    [signature] = verification.verify_pdf(_read(document)).signatures
    assert signature.intact and signature.trusted


def test_check_key_shows_whose_key_the_token_holds_or_why_it_cannot(pkcs11_signing, settings, capsys):
    call_command("signing", "check-key")
    assert "UBND Tỉnh Cà Mau" in capsys.readouterr().out

    _profile_with(settings, passphrase=WRONG_PIN)
    with pytest.raises(CommandError, match="không đúng"):
        call_command("signing", "check-key")
