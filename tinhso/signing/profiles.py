"""Signing profiles and trust, read from the settings (TINHSO_SIGNING_*): which key signs, which timestamp
authority stamps, which roots are trusted and where revocation data comes from.

A key is a PKCS#12 file, a PEM key with its certificate, or a PKCS#11 token (an HSM or a USB token, through
python-pkcs11: `pip install 'tinhso[pkcs11]'`). Trust roots are always the configured ones: the national roots in
production, the demo root otherwise; never a certificate found in a PDF."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from pyhanko.keys import load_cert_from_pemder
from pyhanko.sign import signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from tinhso.core import caching

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from pyhanko.sign.pkcs11 import PKCS11Signer

# A token's session, logged in once per process (PKCS#11 logs a whole process in, not one session).
_tokens = caching.Kept("signing.pkcs11_tokens", max_entries=8)
# Profiles whose PIN a token refused: never tried again by this process, as a token locks itself after a few
# wrong PINs and the job runs every minute.
_refused_pins = caching.Kept("signing.pkcs11_refused_pins", max_entries=8)
_opening = threading.Lock()


@dataclass(frozen=True)
class Profile:
    """One way of signing: the key (`kind` pkcs12, pem or pkcs11) and the timestamp authority."""

    name: str
    kind: str
    key: str
    cert: str
    passphrase: str = field(repr=False)  # the key's passphrase or the token's PIN: never in a log
    chain: tuple[str, ...]
    tsa_url: str
    pkcs11_token: str
    pkcs11_key_label: str


def profile(name: str = "default") -> Profile:
    try:
        raw: dict[str, Any] = settings.TINHSO_SIGNING_PROFILES[name]
    except KeyError:
        raise ImproperlyConfigured(f"No signing profile named {name!r} in TINHSO_SIGNING_PROFILES.") from None
    return Profile(name=name, **raw)


def usable(chosen: Profile) -> bool:
    """Whether the profile's key is there to sign with (a token is only known once opened)."""
    return chosen.kind == "pkcs11" or Path(chosen.key).exists()


def load_signer(chosen: Profile) -> signers.Signer:
    """The profile's signer. A key file is read once per process while it is unchanged: parsing the PKCS#12
    file cost a quarter of each signature (docs/benchmarks.md); a replaced file is read again."""
    if chosen.kind == "pkcs11":
        return _pkcs11_signer(chosen)
    return _file_signer(chosen, _version(chosen.key), _version(chosen.cert))


def _version(path: str) -> tuple[int, int] | None:
    """(modification time, size) of a key or certificate file, None when it is missing."""
    try:
        found = Path(path).stat()
    except (OSError, ValueError):
        return None
    return found.st_mtime_ns, found.st_size


@caching.memo("signing.file_signer", maxsize=8)
def _file_signer(
    chosen: Profile, _key_version: tuple[int, int] | None, _cert_version: tuple[int, int] | None
) -> signers.Signer:
    if chosen.kind == "pkcs12":
        signer = signers.SimpleSigner.load_pkcs12(
            chosen.key, passphrase=chosen.passphrase.encode() or None, ca_chain_files=chosen.chain
        )
    elif chosen.kind == "pem":
        signer = signers.SimpleSigner.load(
            chosen.key,
            chosen.cert,
            ca_chain_files=chosen.chain,
            key_passphrase=chosen.passphrase.encode() or None,
        )
    else:
        raise ImproperlyConfigured(f"Signing profile {chosen.name!r}: unknown kind {chosen.kind!r}.")
    if signer is None:
        raise ImproperlyConfigured(f"Signing profile {chosen.name!r}: the key {chosen.key} cannot be read.")
    return _KeptKeySigner(
        signing_cert=signer.signing_cert,
        signing_key=signer.signing_key,
        cert_registry=signer.cert_registry,
        signature_mechanism=signer.signature_mechanism,
    )


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner hands its key to `cryptography` again for every signature, whose RSA key check
    cost a quarter of a signature: this one keeps the loaded RSA key for PKCS#1 v1.5 signatures (the
    profiles' keys) and lets pyHanko sign with any other kind of key or mechanism."""

    _rsa_key: RSAPrivateKey | None = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        if self._rsa_key is None:
            key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            if not isinstance(key, RSAPrivateKey):
                return super().sign_raw(data, digest_algorithm)
            self._rsa_key = key
        return self._rsa_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


class KeyUnavailable(OSError):
    """The profile's token cannot sign now (a wrong PIN, the token or its module missing): nothing was signed
    and the same work can be tried again. An OSError, as a key file that cannot be read is one."""

    def __init__(self, message: "StrOrPromise") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _pkcs11_signer(chosen: Profile) -> "PKCS11Signer":
    """A key that never leaves its token: `key` is the PKCS#11 module's path, the passphrase the user PIN.
    The session is opened once per process and kept; a failed one is opened afresh by the next call."""
    signer = _tokens.peek(chosen)
    if signer is not None:
        return signer
    with _opening, token_errors(chosen):
        signer = _tokens.peek(chosen) or _open_token(chosen)
        _tokens.put(chosen, signer)
    return signer


def _open_token(chosen: Profile) -> "PKCS11Signer":
    if _refused_pins.peek(chosen):
        raise KeyUnavailable(_wrong_pin(chosen))
    try:
        import pkcs11
        from pyhanko.sign.pkcs11 import PKCS11Signer
    except ImportError:
        raise KeyUnavailable(
            _("Hồ sơ ký số PKCS#11 cần gói python-pkcs11 (pip install 'tinhso[pkcs11]').")
        ) from None
    if not Path(chosen.key).is_file():
        raise KeyUnavailable(
            _("Không có thư viện PKCS#11 %(module)s: kiểm tra TINHSO_SIGNING_KEY.") % {"module": chosen.key}
        )
    module = pkcs11.lib(chosen.key)
    try:
        session = module.get_token(token_label=chosen.pkcs11_token).open(user_pin=chosen.passphrase)
    except (pkcs11.NoSuchToken, pkcs11.UserAlreadyLoggedIn):
        # A token plugged in after the module loaded, or a login left by a session this process dropped:
        # both need the module started afresh (which closes this process's other sessions on it).
        _tokens.clear()
        module.reinitialize()
        session = module.get_token(token_label=chosen.pkcs11_token).open(user_pin=chosen.passphrase)
    signer = PKCS11Signer(session, key_label=chosen.pkcs11_key_label)
    signer.signing_cert  # noqa: B018 (finds the key and its certificate now: a missing one fails here)
    return signer


@contextmanager
def token_errors(chosen: Profile) -> Iterator[None]:
    """A token's failures as KeyUnavailable, said in Vietnamese; its session is dropped, so the next call
    opens it afresh (the token was unplugged, the HSM restarted)."""
    try:
        import pkcs11
    except ImportError:
        yield
        return
    try:
        yield
    except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange):
        _tokens.forget(chosen)
        _refused_pins.put(chosen, True)
        raise KeyUnavailable(_wrong_pin(chosen)) from None
    except pkcs11.PinLocked:
        _tokens.forget(chosen)
        raise KeyUnavailable(
            _("Mã PIN của thiết bị ký số “%(token)s” đã bị khóa: cần mở khóa bằng mã PIN quản trị (SO PIN).")
            % {"token": chosen.pkcs11_token}
        ) from None
    except pkcs11.NoSuchToken:
        _tokens.forget(chosen)
        raise KeyUnavailable(
            _("Không tìm thấy thiết bị ký số “%(token)s”: kiểm tra thiết bị đã được cắm và tên của nó.")
            % {"token": chosen.pkcs11_token}
        ) from None
    except pkcs11.PKCS11Error as error:
        _tokens.forget(chosen)
        raise KeyUnavailable(
            _("Thiết bị ký số “%(token)s” chưa ký được (%(error)s).")
            % {"token": chosen.pkcs11_token, "error": str(error) or type(error).__name__}
        ) from None


def _wrong_pin(chosen: Profile) -> "StrOrPromise":
    return _(
        "Mã PIN của thiết bị ký số “%(token)s” không đúng: sửa TINHSO_SIGNING_PASSPHRASE rồi khởi động lại các tiến trình."
    ) % {"token": chosen.pkcs11_token}


def timestamper(chosen: Profile) -> TimeStamper | None:
    return HTTPTimeStamper(chosen.tsa_url, timeout=10) if chosen.tsa_url else None


def trust_roots() -> list[asn1_x509.Certificate]:
    roots = [
        load_cert_from_pemder(path) for path in settings.TINHSO_SIGNING_TRUST_ROOTS if Path(path).exists()
    ]
    if not roots:
        raise ImproperlyConfigured(
            "TINHSO_SIGNING_TRUST_ROOTS names no readable certificate (run `tinhso signing init-demo-ca`)."
        )
    return roots


def known_crls() -> list[asn1_crl.CertificateList]:
    """The CRLs kept locally (read fresh on every call, so a new revocation counts at once)."""
    return [
        asn1_crl.CertificateList.load(Path(path).read_bytes())
        for path in settings.TINHSO_SIGNING_CRLS
        if Path(path).exists()
    ]


def validation_context(*, extra_crls: list[asn1_crl.CertificateList] | None = None) -> ValidationContext:
    """Configured roots and CRLs; fetching from the certificates' distribution points only when allowed."""
    return ValidationContext(
        trust_roots=trust_roots(),
        crls=known_crls() + list(extra_crls or []),
        allow_fetching=settings.TINHSO_SIGNING_FETCH_REVOCATION,
        revocation_mode="hard-fail",
    )
