"""Signatures per second per core, with and without a timestamp, and the verification's time per document
(issue 21), against a floor measured in the same run: one bare RSA-2048 signature over the document's SHA-256,
the least any signature of it costs.

    .venv/bin/python bench/signing.py [--documents 40] [--pkcs11]

--pkcs11 adds B-B signatures with the key on a SoftHSM2 token (Debian's softhsm2), through the pkcs11 profile.

Everything runs in this process, one document after another on one thread, with the demo CA in a temporary
folder; the timestamp authority is the platform's own (pyHanko's in-process TSA) behind a loopback HTTP server,
so the "with a timestamp" figure includes the TSA's own signature and an HTTP round trip. Per core = documents
divided by the CPU time of the process (all its threads), so other engineers' load on the machine moves the wall
figures but much less these.
"""

import argparse
import dataclasses
import hashlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Tsa(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        from tinhso.signing import tsa

        answer = tsa.respond(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


def _measure(count: int, work: Callable[[int], object]) -> tuple[float, float]:
    """(documents per second of wall time, documents per second of process CPU time)."""
    work(-1)  # warm: imports, font subsetting caches, the TSA's first answer
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        work(index)
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def _token(ca: Path):
    """A SoftHSM2 token holding the demo signer's key and certificate, as the PKCS#11 tests make it."""
    import subprocess

    from tinhso.signing import pki
    from tinhso.testing.signing import SOFTHSM_MODULES, SoftToken, _put_on_token

    module = next(path for path in SOFTHSM_MODULES if Path(path).is_file())
    token = SoftToken(module=module, label="bench", key_label="ky-so-tinh", pin="246810")
    initialise = ["softhsm2-util", "--init-token", "--free", "--label", token.label, "--pin", token.pin]
    subprocess.run([*initialise, "--so-pin", "13579135"], check=True, capture_output=True)
    _put_on_token(token, pki.load_identity(ca / pki.SIGNER))
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--pkcs11", action="store_true", help="also sign with the key on a SoftHSM2 token")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-signing-"))
    (folder / "tokens").mkdir()
    (folder / "softhsm2.conf").write_text(f"directories.tokendir = {folder / 'tokens'}\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(folder / "softhsm2.conf")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tsa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tinhso.settings",
        TINHSO_ENV="test",
        DATABASE_URL="",
        TINHSO_VAR_DIR=str(folder / "var"),
        TINHSO_SIGNING_DEMO_DIR=str(folder / "ca"),
        TINHSO_SIGNING_TSA_URL=f"http://127.0.0.1:{server.server_address[1]}/",
        LOG_LEVEL="ERROR",
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from tinhso.signing import pades, pki, profiles, verification
    from tinhso.testing.signing import sample_pdf

    pki.create_demo_ca(
        directory=folder / "ca", crl_url="http://127.0.0.1:9/root.crl", province="UBND Tỉnh Cà Mau"
    )
    document = sample_pdf("Giấy chứng nhận đăng ký hộ kinh doanh — Nguyễn Thị Hường, phường 5, Cà Mau")
    key = pki.load_identity(folder / "ca" / pki.SIGNER).key
    profile = profiles.profile()
    stamp = pades.Stamp(code="BENCH0000001", url="http://127.0.0.1:8000/xac-thuc/BENCH0000001/",
                        reason="Ký số kết quả", location="Tỉnh Cà Mau")  # fmt: skip
    signed = pades.sign_pdf(document, stamp=stamp, profile=profile)

    if args.pkcs11:
        token = _token(folder / "ca")
        on_token = dataclasses.replace(
            profile, kind="pkcs11", key=token.module, passphrase=token.pin,
            pkcs11_token=token.label, pkcs11_key_label=token.key_label,
        )  # fmt: skip
        pades.sign_pdf(document, stamp=stamp, profile=on_token, timestamp=False)  # logs in once
    figures = {
        "floor: RSA-2048 signature of the SHA-256": _measure(
            args.documents * 10,
            lambda _i: key.sign(hashlib.sha256(document).digest(), padding.PKCS1v15(), hashes.SHA256()),
        ),
        "PAdES B-B, no timestamp": _measure(
            args.documents, lambda _i: pades.sign_pdf(document, stamp=stamp, profile=profile, timestamp=False)
        ),
        "PAdES B-LT, RFC 3161 timestamp": _measure(
            args.documents, lambda _i: pades.sign_pdf(document, stamp=stamp, profile=profile)
        ),
        "verification of a B-LT document": _measure(
            args.documents, lambda _i: verification.verify_pdf(signed)
        ),
    }
    if args.pkcs11:
        figures["PAdES B-B, key on a SoftHSM2 token"] = _measure(
            args.documents,
            lambda _i: pades.sign_pdf(document, stamp=stamp, profile=on_token, timestamp=False),
        )
    server.shutdown()
    floor_cpu = figures["floor: RSA-2048 signature of the SHA-256"][1]
    print(
        f"{args.documents} documents of {len(document):,} bytes, signed {len(signed):,} bytes; load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'case':<44} {'per s (wall)':>13} {'per s per core':>15} {'ms per doc (CPU)':>17} {'floor / case':>13}"
    )
    for name, (wall, cpu) in figures.items():
        print(f"{name:<44} {wall:>13.1f} {cpu:>15.1f} {1000 / cpu:>17.1f} {floor_cpu / cpu:>12.0f}x")


if __name__ == "__main__":
    main()
