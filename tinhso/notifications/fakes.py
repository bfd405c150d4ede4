"""Local stand-ins for the gateways outside the platform, speaking their real protocols on 127.0.0.1: Viettel's
SOAP wsCpMt, a JSON SMS gateway (the eSMS shape), Zalo ZNS, and a Web Push endpoint that decrypts what it
gets with the subscribing browser's key. Each records what it received, takes a message id once (a repeat is
answered as accepted and not delivered again, as the real gateways do with a request id), and can be told to
fail. Used by the tests, the benchmarks and anyone trying the channels without the real services."""

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Delivered:
    gateway: str  # viettel, json, zalo, push
    id: str
    to: str
    body: dict[str, Any]


@dataclass
class Browser:
    """A push subscriber: its P-256 key pair and auth secret, as a browser makes them."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: bytes(range(16)))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}


class FakeGateways:
    """One HTTP server for all four gateways: /viettel, /sms-json, /zalo, /push/<name>."""

    def __init__(self, *, zalo_token: str = "fake-oa-token") -> None:
        self.delivered: list[Delivered] = []
        self.requests: list[tuple[str, str]] = []  # (gateway, message id) for every request, repeats too
        self.failures: list[str] = []  # what the next requests answer: "error", "http500", "timeout"
        self.browsers: dict[str, Browser] = {}
        self.zalo_token = zalo_token
        self.lock = threading.Lock()
        self.release = threading.Event()  # a "timeout" request waits on this (set at stop)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeGateways":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail(self, *modes: str) -> None:
        """The next requests fail, one mode each, in order."""
        with self.lock:
            self.failures += modes

    def browser(self, name: str) -> dict[str, Any]:
        """A new browser's push subscription, its endpoint on this server."""
        self.browsers[name] = Browser()
        return self.browsers[name].subscription(f"{self.url}/push/{name}")

    def ids(self, gateway: str) -> list[str]:
        return [d.id for d in self.delivered if d.gateway == gateway]

    def _take(self, gateway: str, message_id: str, to: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append((gateway, message_id))
            if message_id not in {d.id for d in self.delivered if d.gateway == gateway}:
                self.delivered.append(Delivered(gateway, message_id, to, body))

    def _next_failure(self) -> str:
        with self.lock:
            return self.failures.pop(0) if self.failures else ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateways = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _answer(self, status: int, body: str, content_type: str = "application/json") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                failure = gateways._next_failure()
                if failure == "timeout":
                    gateways.release.wait(30)
                    return
                if failure == "http500":
                    self._answer(500, '{"message":"internal error"}')
                    return
                route = {"/viettel": self._viettel, "/sms-json": self._json, "/zalo": self._zalo}
                if self.path in route:
                    route[self.path](raw, failure == "error")
                elif self.path.startswith("/push/"):
                    self._push(self.path.removeprefix("/push/"), raw, failure == "error")
                else:
                    self._answer(404, "{}")

            def _viettel(self, raw: bytes, refuse: bool) -> None:
                call = ElementTree.fromstring(raw).find(".//{http://impl.bulkSms.ws/}wsCpMt")
                fields = {child.tag: child.text or "" for child in call} if call is not None else {}
                ok = (
                    not refuse and fields.get("CommandCode") == "bulksms" and fields.get("ContentType") == "0"
                )
                if ok:
                    gateways._take("viettel", fields["RequestID"], fields["ReceiverID"], fields)
                result, text = (
                    ("1", "Insert MT_QUEUE: OK") if ok else ("0", "Authenticate: CP_CODE_NOT_FOUND")
                )
                self._answer(
                    200,
                    '<?xml version="1.0" ?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">'
                    '<S:Body><ns2:wsCpMtResponse xmlns:ns2="http://impl.bulkSms.ws/"><return>'
                    f"<message>{text}</message><result>{result}</result>"
                    "</return></ns2:wsCpMtResponse></S:Body></S:Envelope>",
                    "text/xml; charset=utf-8",
                )

            def _json(self, raw: bytes, refuse: bool) -> None:
                body = json.loads(raw)
                if refuse:
                    self._answer(200, '{"CodeResult":"104","ErrorMessage":"Brandname chua duoc kich hoat"}')
                    return
                gateways._take("json", body["RequestId"], body["Phone"], body)
                self._answer(200, json.dumps({"CodeResult": "100", "SMSID": body["RequestId"]}))

            def _zalo(self, raw: bytes, refuse: bool) -> None:
                if self.headers.get("access_token") != gateways.zalo_token:
                    self._answer(200, '{"error":-124,"message":"Access token is invalid"}')
                    return
                body = json.loads(raw)
                if refuse:
                    self._answer(200, '{"error":-108,"message":"Phone number is invalid"}')
                    return
                gateways._take("zalo", body["tracking_id"], body["phone"], body)
                answer = {"error": 0, "message": "Success", "data": {"msg_id": body["tracking_id"][:16]}}
                self._answer(200, json.dumps(answer))

            def _push(self, name: str, raw: bytes, refuse: bool) -> None:
                browser = gateways.browsers.get(name)
                if browser is None or refuse:
                    self._answer(410, "{}")
                    return
                if self.headers.get("Content-Encoding") != "aes128gcm" or not _vapid_valid(
                    self.headers.get("Authorization", "")
                ):
                    self._answer(401, "{}")
                    return
                payload = json.loads(
                    http_ece.decrypt(
                        raw, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm"
                    )
                )
                gateways._take("push", payload.get("tag", ""), name, payload)
                self._answer(201, "{}")

        return Handler


def _vapid_valid(header: str) -> bool:
    """`vapid t=<JWT>,k=<public key>`: the JWT is signed (ES256) by the key it names."""
    try:
        parts = dict(item.split("=", 1) for item in header.removeprefix("vapid ").split(","))
        head, claims, signature = parts["t"].split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        raw = unb64url(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except (KeyError, ValueError, InvalidSignature):
        return False
    return True
