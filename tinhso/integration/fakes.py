"""Local stand-ins for the outside parties, speaking their protocols over real HTTP, used by `make demo` and
the tests: the national public service portal (Cổng DVCQG: session login, TraCuuHoSo, DongBoHoSoMC,
CapNhatTienDoHoSoMC) and a partner's webhook receiver that verifies Standard Webhooks signatures with the
`standardwebhooks` library. Each records what it received and can be made to fail."""

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from standardwebhooks import Webhook, WebhookVerificationError

# What the fake answers when a session is not (or no longer) valid: the portal's guide does not name the
# code, so this is the adapter's assumption, kept in one place (portal.SESSION_REJECTED).
SESSION_REJECTED = "-1"
SUCCESS = "00"
INVALID_DATA = "02"
# The items of DongBoHoSoMC's digitisation lists: the names OpenCPS recalls from the 2020 guide (both lists
# optional there), with the flags a later provider's sync adds (DuocSoHoa, DuocTaiSuDung). The fake takes these
# keys and no other, so a file's contents could not slip in.
DOCUMENT_ITEMS = {
    "TaiLieuNop": {
        "TepDinhKemId", "TenTepDinhKem", "MaThanhPhanHoSo", "DuongDanTaiTepTin", "DuocSoHoa", "DuocTaiSuDung",
    },
    "DanhSachGiayToKetQua": {"GiayToId", "TenGiayTo", "MaThanhPhanHoSo", "DuongDanTepTinKetQua"},
}  # fmt: skip
# The dossier's own flags the index reads, each "0" or "1" when sent.
DOSSIER_FLAGS = ("HoSoCoThanhPhanSoHoa", "DuocThanhToanTrucTuyen")


@dataclass
class FakePortal:
    """The national portal as the adapter sees it. `mode`: "ok", "fail" (HTTP 500), "timeout" (answers after
    `delay` seconds), "reject_session" (every session is refused once, then login works again)."""

    username: str = "tinhso"
    password: str = "demo-portal"
    mode: str = "ok"
    delay: float = 2.0
    fail_next: int = 0  # the next N integration calls answer 500, whatever the mode
    sessions: set[str] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)  # each call once per (message id, service)
    seen: set[tuple[str, str]] = field(default_factory=set)
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def statuses(self, code: str) -> list[int]:
        """The TrangThaiHoSo of each DongBoHoSoMC received for the dossier, in order."""
        return [
            int(call["data"][0]["TrangThaiHoSo"])
            for call in self.received
            if call["service"] == "DongBoHoSoMC" and call["data"][0]["MaHoSo"] == code
        ]

    def documents(self, code: str) -> dict[str, Any]:
        """The digitisation lists and flags of the dossier's last DongBoHoSoMC."""
        synced = self.dossiers.get(code, {})
        return {name: synced.get(name, []) for name in DOCUMENT_ITEMS} | {
            flag: synced.get(flag) for flag in DOSSIER_FLAGS
        }

    def count(self, message_id: str) -> int:
        return sum(
            1
            for call in self.received
            if call["message_id"] == message_id and call["service"] == "DongBoHoSoMC"
        )

    def handle(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return 400, {"error_code": INVALID_DATA, "message": "JSON không hợp lệ"}
        if path.endswith("/auth"):
            return self._login(request)
        if self.fail_next > 0 or self.mode == "fail":
            self.fail_next = max(0, self.fail_next - 1)
            return 500, {"error_code": "500", "message": "Lỗi hệ thống"}
        if self.mode == "timeout":
            time.sleep(self.delay)
        with self.lock:
            if request.get("session") not in self.sessions:
                return 200, {"error_code": SESSION_REJECTED, "message": "Phiên làm việc không hợp lệ"}
            if self.mode == "reject_session":
                self.sessions.clear()
                self.mode = "ok"
                return 200, {"error_code": SESSION_REJECTED, "message": "Phiên làm việc đã hết hạn"}
            return self._integration(request, headers.get("x-lgsp-id", ""))

    def _login(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if request.get("username") != self.username or request.get("password") != self.password:
            return 200, {"error_code": 1, "message": "Sai tên đăng nhập hoặc mật khẩu"}
        session = secrets.token_hex(16)
        with self.lock:
            self.sessions.add(session)
        return 200, {"session": session, "error_code": 0}

    def _integration(self, request: dict[str, Any], message_id: str) -> tuple[int, dict[str, Any]]:
        service = request.get("service")
        if service == "TraCuuHoSo":
            found = self.dossiers.get(str(request.get("mahoso")))
            return 200, {"error_code": SUCCESS, "result": [found] if found else []}
        if service not in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC"):
            return 200, {"error_code": INVALID_DATA, "message": f"Dịch vụ {service} không có"}
        data = request.get("data")
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            return 200, {"error_code": INVALID_DATA, "message": "Thiếu data"}
        if service == "DongBoHoSoMC" and str(data[0].get("TrangThaiHoSo")) not in {
            str(n) for n in range(1, 11)
        }:
            return 200, {"error_code": INVALID_DATA, "message": "TrangThaiHoSo không hợp lệ"}
        if service == "DongBoHoSoMC" and (problem := _invalid_documents(data[0])):
            return 200, {"error_code": INVALID_DATA, "message": problem}
        if (message_id, service) not in self.seen:  # the same message sent twice counts once
            self.seen.add((message_id, service))
            self.received.append({"message_id": message_id, "service": service} | request)
            if service == "DongBoHoSoMC":
                self.dossiers[data[0]["MaHoSo"]] = data[0]
        return 200, {"error_code": SUCCESS, "message": "Thành công"}


def _invalid_documents(dossier: dict[str, Any]) -> str:
    """What is wrong with the dossier's digitisation lists and flags ("" when nothing): each item a flat object
    of the known keys, with a name and a link; each flag "0" or "1"."""
    for flag in DOSSIER_FLAGS:
        if dossier.get(flag, "0") not in ("0", "1"):
            return f"{flag} phải là 0 hoặc 1"
    for name, keys in DOCUMENT_ITEMS.items():
        items = dossier.get(name, [])
        if not isinstance(items, list):
            return f"{name} phải là một danh sách"
        for item in items:
            if (
                not isinstance(item, dict)
                or set(item) - keys
                or not all(isinstance(v, str) for v in item.values())
            ):
                return f"{name}: mục không hợp lệ"
            if not all(item.get(key) for key in keys if key.startswith(("Ten", "DuongDan"))):
                return f"{name}: thiếu tên hoặc đường dẫn"
    return ""


@dataclass
class WebhookReceiver:
    """A partner's endpoint: verifies each delivery with `standardwebhooks` (signature and a timestamp within
    five minutes), keeps the payloads once per webhook-id, and answers `status` (500 to be made to fail)."""

    secret: str
    status: int = 204
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    rejected: int = 0
    ids: set[str] = field(default_factory=set)

    def handle(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.attempts += 1
        if self.status >= 300:
            return self.status, {"error": "receiver made to fail"}
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.rejected += 1
            return 400, {"error": str(error)}
        if headers["webhook-id"] not in self.ids:
            self.ids.add(headers["webhook-id"])
            self.received.append(payload)
        return self.status, {}


Handler = Callable[[str, bytes, dict[str, str]], tuple[int, dict[str, Any]]]


def wsgi_app(handle: Handler) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        status, answer = handle(environ.get("PATH_INFO", "/"), body, headers)
        content = json.dumps(answer, ensure_ascii=False).encode()
        start_response(
            f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(content)))]
        )
        yield content

    return app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadedServer(WSGIServer):
    daemon_threads = True
    request_queue_size = 256  # a fan-out to many subscribers must not find the listen queue full

    def process_request(self, request: Any, client_address: Any) -> None:
        threading.Thread(target=self._serve_one, args=(request, client_address), daemon=True).start()

    def _serve_one(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


@contextmanager
def serving(handle: Handler) -> Iterator[str]:
    """Serves `handle` over HTTP on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app(handle), server_class=_ThreadedServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
