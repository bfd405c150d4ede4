"""A local PKI for tests that sign: the demo CA (made once per test process) copied into the test's own folder,
and the platform's timestamp authority answering over real HTTP on a loopback port.

    def test_something(signing_pki):
        document = services.sign_document(...)
"""

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import fontpkg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from fpdf import FPDF

from tinhso.signing import pki


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


def sample_pdf(text: str = "Giấy chứng nhận đăng ký hộ kinh doanh — Nguyễn Thị Hường") -> bytes:
    """A one-page A4 PDF with Vietnamese text, as the platform's documents are made."""
    document = FPDF()
    document.add_page()
    document.add_font("BeVietnamPro", "", str(fontpkg.path("Be Vietnam Pro", 400)))
    document.set_font("BeVietnamPro", size=14)
    document.cell(text=text)
    return bytes(document.output())
