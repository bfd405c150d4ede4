"""Dossier statuses to the National Public Service Portal (Cổng DVCQG) through a transactional outbox: each
status change writes a PortalMessage in the transaction that changed the dossier (a rollback sends nothing);
the relay sends each dossier's messages in order (seq) with backoff, idempotently (the same message id on a
resend), to the portal's adapter; what cannot go through lands on a dead-letter list with its reason; a
nightly reconciliation resends what was never acknowledged. Each message goes with the dossier's documents
as they stand when it is sent (TaiLieuNop, DanhSachGiayToKetQua: references, never contents), read for the
whole round at once, and is kept as sent, with the flags the national index reads (every file digital, a
result reused from a data store, a fee paid online). The names are those of the 2020 guide as OpenCPS sends
them, and the flags as a later provider's sync sends them: check both against VPCP's current specification.

The adapter (settings.TINHSO_PORTAL_ADAPTER) sits behind `Adapter`, so the portal's current specification, or
a transport through the national data platforms, replaces `DvcqgAdapter` without touching the outbox."""

import json
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from tinhso.core.models import Event
from tinhso.core.sql import insert_new
from tinhso.dossiers import events as dossier_events
from tinhso.dossiers import selectors as dossier_selectors
from tinhso.dossiers.models import Dossier
from tinhso.integration import exchange, sql
from tinhso.integration.models import ExchangeLog, PortalMessage, StatusMapping
from tinhso.payments import selectors as payment_selectors
from tinhso.signing import selectors as signing_selectors
from tinhso.signing import services as signing_services

if TYPE_CHECKING:
    from tinhso.signing.models import SignedDocument

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CHAIN = "DVCQG"  # the exchange log's chain of calls to the portal
SUCCESS = "00"
SESSION_REJECTED = "-1"  # see fakes.SESSION_REJECTED: the guide names no code for an expired session
MAX_ATTEMPTS = 10
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
DOSSIER_STREAM = "dossiers.dossier:"
SUBMITTED, RESULTS = "TaiLieuNop", "DanhSachGiayToKetQua"  # the digitisation lists VPCP's index reads
# Flags of the dossier the index reads too ("0" / "1"): it has digitised components; a fee was paid online.
HAS_DIGITISED, PAID_ONLINE = "HoSoCoThanhPhanSoHoa", "DuocThanhToanTrucTuyen"
# How long a finished dossier's message waits for the signing job to sign its result, so the portal hears of
# the result once, digitised; past this it goes without (the signing job is down or the file cannot be signed).
SIGNING_WAIT = timedelta(minutes=15)
HELD_FOR = timedelta(minutes=1)
# The name sent for a file that answers none of the procedure's documents (data for the portal: Vietnamese).
OTHER_DOCUMENT = "Tài liệu khác"


class PortalError(Exception):
    """A message that did not go through: `final` when sending it again cannot help (bad data)."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.final = reason, final


class Adapter(Protocol):
    def deliver(self, message: PortalMessage, *, national_code: int) -> None:
        """Sends the message; returns once the portal acknowledged it, raises PortalError otherwise."""


def portal_time(value: str | None) -> str:
    """An ISO 8601 instant as the portal's yyyyMMddHHmmss in Asia/Ho_Chi_Minh ("" for none)."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(ZONE).strftime("%Y%m%d%H%M%S")


# --- Writing the outbox (in the business transaction) ------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def enqueue(event: Event) -> PortalMessage | None:
    """The outbox message of a dossier event that changed its status (called as the event is saved, inside
    the transaction that changed the dossier). Submission (no status before) writes none: it stays one
    statement, and the portal hears of the dossier at its reception (2, 3), or from the nightly pass."""
    if not event.stream.startswith(DOSSIER_STREAM):
        return None
    payload = event.payload if isinstance(event.payload, dict) else {}
    if payload.get("from") is None or payload.get("status") in (None, payload["from"]):
        return None
    dossier = sql.dossier_for_snapshot(int(event.stream.removeprefix(DOSSIER_STREAM)))
    if dossier is None:
        return None
    message = PortalMessage(
        message_id=uuid.uuid4().hex,
        dossier=dossier,
        dossier_code=dossier.code,
        seq=event.seq,
        status=int(payload["status"]),
        body=_snapshot(dossier, event),
        next_attempt_at=event.occurred_at,
        created_at=event.occurred_at,
    )
    insert_new(message)  # its INSERT built once per process, as the dossier's read
    return message


def _snapshot(dossier: Dossier, event: Event) -> dict[str, Any]:
    """The dossier as it stands after the event, in the portal's field names (dates converted when sent)."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    unit = dossier.current_unit or dossier.receiving_unit
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": dossier.procedure.code,
        "TenTTHC": dossier.procedure.name,
        "MaLinhVuc": "",
        "TenLinhVuc": dossier.procedure.sector,
        "ChuHoSo": dossier.applicant.display_name,
        "LoaiDoiTuong": "1",
        "MaDoiTuong": dossier.applicant.citizen_id or "",
        "KenhThucHien": str(dossier.channel),
        "NgayTiepNhan": _iso(dossier.accepted_at or dossier.submitted_at),
        "NgayHenTra": _iso(dossier.promised_at),
        "NgayTra": _iso(dossier.returned_at),
        "NgayKetThucXuLy": _iso(dossier.finished_at),
        "DonViXuLy": unit.name,
        "TrichYeuHoSo": dossier.procedure.name,
        "ThoiDiemXuLy": _iso(event.occurred_at),
        "NgayBatDau": _iso(dossier.step_started_at or event.occurred_at),
        "NgayKetThucTheoQuyDinh": _iso(dossier.step_due_at or dossier.promised_at),
        "NoiDungXuLy": event.action,
        "GhiChu": str(payload.get("reason", ""))[:500],
    }


# --- The adapter of the portal's 2020 integration guide ----------------------------------------------------


class DvcqgAdapter:
    """Session login, then TraCuuHoSo → DongBoHoSoMC(isUpdating) → CapNhatTienDoHoSoMC, each a POST of JSON;
    "00" is success. The session is kept until the portal refuses it."""

    session: str = ""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (
            base_url or settings.TINHSO_PORTAL_URL or "http://127.0.0.1:8000/gia-lap/dvcqg"
        ).rstrip("/")
        self.http = requests.Session()  # one kept connection for the relay's run, not one per call

    def deliver(self, message: PortalMessage, *, national_code: int) -> None:
        body = message.body
        found = self._call(message, "TraCuuHoSo", {"mahoso": message.dossier_code}).get("result")
        dossier = {
            key: body.get(key, "")
            for key in (
                "MaHoSo",
                "MaTTHC",
                "TenTTHC",
                "MaLinhVuc",
                "TenLinhVuc",
                "ChuHoSo",
                "LoaiDoiTuong",
                "MaDoiTuong",
                "TrichYeuHoSo",
                "DonViXuLy",
                "GhiChu",
            )
        }
        dossier |= {
            "TrangThaiHoSo": str(national_code),
            "KenhThucHien": body.get("KenhThucHien", "2"),
            "NgayTiepNhan": portal_time(body.get("NgayTiepNhan")),
            "NgayHenTra": portal_time(body.get("NgayHenTra")),
            "NgayTra": portal_time(body.get("NgayTra")),
            "NgayKetThucXuLy": portal_time(body.get("NgayKetThucXuLy")),
            SUBMITTED: body.get(SUBMITTED, []),
            RESULTS: body.get(RESULTS, []),
            HAS_DIGITISED: body.get(HAS_DIGITISED, "0"),
            PAID_ONLINE: body.get(PAID_ONLINE, "0"),
        }
        self._call(message, "DongBoHoSoMC", {"isUpdating": "True" if found else "False", "data": [dossier]})
        progress = {
            "MaHoSo": message.dossier_code,
            "NguoiXuLy": "",
            "ChucDanh": "",
            "ThoiDiemXuLy": portal_time(body.get("ThoiDiemXuLy")),
            "PhongBanXuLy": body.get("DonViXuLy", ""),
            "NoiDungXuLy": body.get("NoiDungXuLy", ""),
            "TrangThai": str(national_code),
            "NgayBatDau": portal_time(body.get("NgayBatDau")),
            "NgayKetThucTheoQuyDinh": portal_time(body.get("NgayKetThucTheoQuyDinh")),
        }
        self._call(message, "CapNhatTienDoHoSoMC", {"data": [progress]})

    def _call(self, message: PortalMessage, service: str, data: dict[str, Any]) -> dict[str, Any]:
        for _attempt in range(2):
            if not DvcqgAdapter.session:
                DvcqgAdapter.session = self._login()
            request = {
                "session": DvcqgAdapter.session,
                "madonvi": settings.TINHSO_PORTAL_UNIT,
                "service": service,
            }
            answer = self._post(
                "/integration", request | data, message_id=message.message_id, service=service
            )
            if str(answer.get("error_code")) == SESSION_REJECTED:
                DvcqgAdapter.session = ""  # expired or revoked: log in again once
                continue
            if str(answer.get("error_code")) != SUCCESS:
                raise PortalError(
                    f"{service}: {answer.get('error_code')} {answer.get('message', '')}"[:300], final=True
                )
            return answer
        raise PortalError(f"{service}: phiên làm việc bị từ chối")

    def _login(self) -> str:
        credentials = {
            "username": settings.TINHSO_PORTAL_USERNAME,
            "password": settings.TINHSO_PORTAL_PASSWORD,
        }
        answer = self._post(
            "/auth", credentials, message_id=uuid.uuid4().hex, service="auth", logged_body=b"{}"
        )
        if str(answer.get("error_code")) not in ("0", SUCCESS) or not answer.get("session"):
            raise PortalError(f"auth: {answer.get('error_code')} {answer.get('message', '')}"[:300])
        return str(answer["session"])

    def _post(
        self,
        path: str,
        data: dict[str, Any],
        *,
        message_id: str,
        service: str,
        logged_body: bytes | None = None,
    ) -> dict[str, Any]:
        body = json.dumps(data, ensure_ascii=False).encode()
        started, clock = timezone.now(), time.perf_counter()
        status, content, error = 0, b"", ""
        try:
            answer = self.http.post(
                self.base_url + path,
                data=body,
                headers={"Content-Type": "application/json", exchange.MESSAGE_ID_HEADER: message_id},
                timeout=settings.TINHSO_PORTAL_TIMEOUT_SECONDS,
            )
            status, content = answer.status_code, answer.content
        except requests.RequestException as failure:
            error = type(failure).__name__
        exchange.append(
            direction=ExchangeLog.Direction.OUTBOUND,
            partner=None,
            chain=CHAIN,
            service=service,
            method="POST",
            target=self.base_url + path,
            status=status,
            request_body=body if logged_body is None else logged_body,  # never the password's hash
            response_body=content,
            started_at=started,
            duration_ms=int((time.perf_counter() - clock) * 1000),
        )
        if error or status != 200:
            raise PortalError(f"{service}: {error or f'HTTP {status}'}")
        try:
            return dict(json.loads(content))
        except (ValueError, TypeError):
            raise PortalError(f"{service}: câu trả lời không phải JSON") from None


def adapter() -> Adapter:
    adapter_class = import_string(settings.TINHSO_PORTAL_ADAPTER)
    return adapter_class()  # type: ignore[no-any-return]


# --- The relay ---------------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** max(0, attempts - 1), LONGEST_WAIT)


def _head_messages(now: datetime, limit: int) -> list[PortalMessage]:
    """The first unacknowledged message of each dossier, when it is pending and due, in one query: a dossier
    whose first one failed for good (dead) waits for it, so the portal never sees its statuses out of order."""
    first_waiting = (
        PortalMessage.objects.filter(dossier_id=OuterRef("dossier_id"))
        .exclude(state=PortalMessage.State.ACKNOWLEDGED)
        .order_by("seq")
        .values("seq")[:1]
    )
    return list(
        PortalMessage.objects.filter(
            state=PortalMessage.State.PENDING, next_attempt_at__lte=now, seq=Subquery(first_waiting)
        ).order_by("dossier_id")[:limit]
    )


def relay(*, now: datetime | None = None, limit: int = 500, sender: Adapter | None = None) -> int:
    """Sends what is due, each dossier's messages in order; returns how many were acknowledged. Rounds go on
    while a round acknowledged something, so a dossier's next status follows at once."""
    sender = sender or adapter()
    mappings = dict(StatusMapping.objects.values_list("status", "national_code"))
    acknowledged = 0
    while True:
        now_round = now or timezone.now()
        heads = _head_messages(now_round, limit)
        documents = _documents(heads)
        heads = _not_held(heads, documents=documents, now=now_round)
        sent = sum(
            _send(message, documents=documents, sender=sender, mappings=mappings, now=now_round)
            for message in heads
        )
        acknowledged += sent
        if not sent:
            return acknowledged


def _documents(messages: list[PortalMessage]) -> dict[int, dict[str, Any]]:
    """The digitisation lists and flags of each message's dossier as they stand when it is sent (a result is
    signed after the status change that recorded it), in four queries for the whole round: the files
    submitted, which of them are signed results reused from a data store, the signed result, the fees paid
    online. References only: no file contents, nor an uploaded file's own name."""
    if not messages:
        return {}
    dossier_ids = {message.dossier_id for message in messages}
    submitted = dossier_selectors.submitted_documents(dossier_ids=dossier_ids)
    reused = signing_selectors.results_among(
        sha256s={document.sha256 for documents in submitted.values() for document in documents}
    )
    signed = signing_selectors.signed_results(dossier_codes={m.dossier_code for m in messages})
    paid_online = payment_selectors.paid_online(dossier_ids=dossier_ids)
    lists = {}
    for message in messages:
        files = [_submitted(document, reused=reused) for document in submitted.get(message.dossier_id, [])]
        lists[message.dossier_id] = {
            SUBMITTED: files,
            RESULTS: [_result(signed[message.dossier_code])] if message.dossier_code in signed else [],
            HAS_DIGITISED: _flag(bool(files)),
            PAID_ONLINE: _flag(message.dossier_id in paid_online),
        }
    return lists


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _not_held(
    messages: list[PortalMessage], *, documents: dict[int, dict[str, Any]], now: datetime
) -> list[PortalMessage]:
    """The messages to send now; a finished dossier (its result is always a file) whose result the signing job
    has not signed yet is held a minute at a time, no attempt counted, for up to SIGNING_WAIT; its later
    messages wait behind it."""
    waiting = [
        message
        for message in messages
        if message.body.get("NoiDungXuLy") == dossier_events.FINISHED
        and not documents.get(message.dossier_id, {}).get(RESULTS)
        and message.created_at > now - SIGNING_WAIT
    ]
    if not waiting or not signing_selectors.signs_results():
        return messages
    PortalMessage.objects.filter(pk__in=[message.pk for message in waiting]).update(
        next_attempt_at=now + HELD_FOR
    )
    return [message for message in messages if message not in waiting]


def _submitted(document: dossier_selectors.SubmittedDocument, *, reused: set[str]) -> dict[str, str]:
    """One item of TaiLieuNop; its file is behind the platform's sign-in (only the dossier's officials).
    Every file is digital (DuocSoHoa); a signed result taken from the citizen's data store is reused."""
    link = reverse("dossiers:attachment", kwargs={"code": document.dossier_code, "pk": document.pk})
    return {
        "TepDinhKemId": str(document.pk),
        "TenTepDinhKem": document.requirement_name or OTHER_DOCUMENT,
        "MaThanhPhanHoSo": str(document.requirement or ""),
        "DuongDanTaiTepTin": settings.TINHSO_PUBLIC_URL + link,
        "DuocSoHoa": "1",
        "DuocTaiSuDung": _flag(document.sha256 in reused),
    }


def _result(document: "SignedDocument") -> dict[str, str]:
    """One item of DanhSachGiayToKetQua: the signed result by its public verification page."""
    return {
        "GiayToId": document.code,
        "TenGiayTo": document.title,
        "DuongDanTepTinKetQua": signing_services.verification_url(document.code),
    }


def _send(
    message: PortalMessage,
    *,
    documents: dict[int, dict[str, Any]],
    sender: Adapter,
    mappings: dict[int, int],
    now: datetime,
) -> int:
    message.body = message.body | documents.get(message.dossier_id, {})
    pk, national_code = message.pk, mappings.get(message.status)
    try:
        if national_code is None:
            raise PortalError(f"Trạng thái {message.status} chưa có mã trên Cổng DVCQG", final=True)
        sender.deliver(message, national_code=national_code)
    except PortalError as failure:
        _failed(pk, reason=failure.reason, final=failure.final, now=now)
        return 0
    acknowledge(pk, now=now, body=message.body)
    return 1


@transaction.atomic
def acknowledge(pk: int, *, now: datetime, body: dict[str, Any]) -> None:
    """Records the answer, and the body as sent (its documents included): what the 766 self-check reads."""
    PortalMessage.objects.filter(pk=pk).update(
        state=PortalMessage.State.ACKNOWLEDGED,
        acknowledged_at=now,
        attempts=F("attempts") + 1,
        last_error="",
        body=body,
    )


@transaction.atomic
def _failed(pk: int, *, reason: str, final: bool, now: datetime) -> None:
    message = PortalMessage.objects.select_for_update().get(pk=pk)
    message.attempts += 1
    message.last_error = reason[:300]
    if final or message.attempts >= MAX_ATTEMPTS:
        message.state = PortalMessage.State.DEAD
    else:
        message.next_attempt_at = now + backoff(message.attempts)
    message.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])


@transaction.atomic
def reconcile(*, now: datetime | None = None) -> int:
    """The nightly pass: pending messages are due at once (their backoff is waived), and a dossier whose
    status differs from the last one sent (changed by a bulk path, or before the platform) gets a message of
    its current state. Returns how many messages were made due or written."""
    now = now or timezone.now()
    made_due = PortalMessage.objects.filter(
        state=PortalMessage.State.PENDING, next_attempt_at__gt=now
    ).update(next_attempt_at=now)
    last_sent = dict(
        PortalMessage.objects.filter(state=PortalMessage.State.ACKNOWLEDGED)
        .order_by("dossier_id", "seq")
        .values_list("dossier_id", "status")
    )
    waiting = set(
        PortalMessage.objects.exclude(state=PortalMessage.State.ACKNOWLEDGED).values_list(
            "dossier_id", flat=True
        )
    )
    written = 0
    for dossier_id, status in Dossier.objects.values_list("pk", "status").iterator(chunk_size=2000):
        if dossier_id in waiting or last_sent.get(dossier_id) == status:
            continue
        event = Event.objects.filter(stream=f"{DOSSIER_STREAM}{dossier_id}").order_by("-seq").first()
        if event is None or PortalMessage.objects.filter(dossier_id=dossier_id, seq=event.seq).exists():
            continue
        dossier = Dossier.objects.select_related(
            "procedure", "applicant", "receiving_unit", "current_unit"
        ).get(pk=dossier_id)
        PortalMessage.objects.create(
            message_id=uuid.uuid4().hex,
            dossier=dossier,
            dossier_code=dossier.code,
            seq=event.seq,
            status=status,
            body=_snapshot(dossier, event),
            next_attempt_at=now,
            created_at=now,
        )
        written += 1
    return made_due + written
