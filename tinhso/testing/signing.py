"""A local PKI for tests that sign: the demo CA (made once per test process) copied into the test's own folder,
and the platform's timestamp authority answering over real HTTP on a loopback port. `pkcs11_signing` moves the
province's key onto a SoftHSM2 token (Debian's softhsm2, which `make browser` installs as root).

    def test_something(signing_pki):
        document = services.sign_document(...)
"""

import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import fontpkg
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.handlers.wsgi import WSGIHandler
from fpdf import FPDF

from tinhso.signing import pki

# Where Debian's softhsm2 puts its PKCS#11 module (the first is a link to the second).
SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class LocalPki:
    directory: Path
    base_url: str

    @property
    def crl_url(self) -> str:
        return f"{self.base_url}/ky-so/crl/root.crl"

    def revoke(self, *serials: int) -> None:
        pki.write_crl(directory=self.directory, revoked=list(serials))


@pytest.fixture(scope="session")
def _loopback_platform() -> Iterator[str]:
    """The platform's own WSGI application on 127.0.0.1, for its timestamp authority and CRL."""
    server = make_server(
        "127.0.0.1", 0, WSGIHandler(), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def _demo_ca(tmp_path_factory, _loopback_platform) -> Path:
    directory = tmp_path_factory.mktemp("demo-ca")
    pki.create_demo_ca(
        directory=directory, crl_url=f"{_loopback_platform}/ky-so/crl/root.crl", province="UBND Tỉnh Cà Mau"
    )
    return directory


@pytest.fixture
def signing_pki(settings, tmp_path, _demo_ca, _loopback_platform) -> LocalPki:
    """Settings pointing at a copy of the demo CA (a test may revoke in it) and the loopback TSA."""
    directory = tmp_path / "signing"
    shutil.copytree(_demo_ca, directory)
    settings.TINHSO_SIGNING_DEMO_DIR = directory
    settings.TINHSO_PUBLIC_URL = _loopback_platform
    settings.TINHSO_SIGNING_PROFILES = {
        "default": {
            **settings.TINHSO_SIGNING_PROFILES["default"],
            "kind": "pkcs12",
            "key": str(directory / "signer.p12"),
            "passphrase": pki.DEMO_PASSPHRASE.decode(),
            "tsa_url": f"{_loopback_platform}/ky-so/tsa",
        }
    }
    settings.TINHSO_SIGNING_TRUST_ROOTS = [str(directory / "root.crt")]
    settings.TINHSO_SIGNING_CRLS = [str(directory / pki.CRL)]
    settings.TINHSO_SIGNING_FETCH_REVOCATION = False
    return LocalPki(directory=directory, base_url=_loopback_platform)


@dataclass(frozen=True)
class SoftToken:
    """A SoftHSM2 token holding the demo province's signing key (not extractable) and its certificate."""

    module: str
    label: str
    key_label: str
    pin: str


@pytest.fixture(scope="session")
def _softhsm_token(tmp_path_factory, _demo_ca) -> Iterator[SoftToken]:
    """One token per test process, in its own folder (SOFTHSM2_CONF is read when the module starts)."""
    module = next((path for path in SOFTHSM_MODULES if Path(path).is_file()), None)
    if module is None or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM2 is not installed: install Debian's softhsm2 (`make browser` does, as root)")
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    (directory / "softhsm2.conf").write_text(
        f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    token = SoftToken(module=module, label="tinhso-thu-nghiem", key_label="ky-so-tinh", pin="246810")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(directory / "softhsm2.conf"))
        initialise = ["softhsm2-util", "--init-token", "--free", "--label", token.label, "--pin", token.pin]
        subprocess.run([*initialise, "--so-pin", "13579135"], check=True, capture_output=True)
        _put_on_token(token, pki.load_identity(_demo_ca / pki.SIGNER))
        yield token


def _put_on_token(token: SoftToken, identity: pki.Identity) -> None:
    """The key and its certificate under one label and id, as pyHanko's PKCS11Signer looks them up."""
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    key_der = identity.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    same = {Attribute.TOKEN: True, Attribute.LABEL: token.key_label, Attribute.ID: b"\x01"}
    found = pkcs11.lib(token.module).get_token(token_label=token.label)
    with found.open(rw=True, user_pin=token.pin) as session:
        session.create_object(
            decode_rsa_private_key(key_der)
            | same
            | {Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False}
        )
        certificate = identity.certificate.public_bytes(serialization.Encoding.DER)
        session.create_object(decode_x509_certificate(certificate) | same)


@pytest.fixture
def pkcs11_signing(settings, signing_pki, _softhsm_token) -> SoftToken:
    """The default profile signs with the key on the SoftHSM2 token (the demo CA's, so it is trusted)."""
    settings.TINHSO_SIGNING_PROFILES = {
        "default": {
            **settings.TINHSO_SIGNING_PROFILES["default"],
            "kind": "pkcs11",
            "key": _softhsm_token.module,
            "passphrase": _softhsm_token.pin,
            "pkcs11_token": _softhsm_token.label,
            "pkcs11_key_label": _softhsm_token.key_label,
        }
    }
    return _softhsm_token


def sample_pdf(text: str = "Giấy chứng nhận đăng ký hộ kinh doanh — Nguyễn Thị Hường") -> bytes:
    """A one-page A4 PDF with Vietnamese text, as the platform's documents are made."""
    document = FPDF()
    document.add_page()
    document.add_font("BeVietnamPro", "", str(fontpkg.path("Be Vietnam Pro", 400)))
    document.set_font("BeVietnamPro", size=14)
    document.cell(text=text)
    return bytes(document.output())
