"""The exchange log, as X-Road's message log: every call through the platform, inbound (a partner calling
the platform) or outbound (webhooks, the national portal), with a message id returned to the caller, and the
SHA-512 of the bodies, never the bodies. One hash chain per partner, verified by `tinhso verify-log`."""

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tinhso.core.eventlog import canonical_json
from tinhso.integration.models import ExchangeChain, ExchangeLog, Partner

# Calls under these paths pass through the platform: the partners' API and the token endpoint; and Open311
# filings (a POST with a partner's api_key). Open311's public reads carry no key: they are not partner calls.
INBOUND_PREFIXES = ("/api/v1/lgsp/", "/lgsp/")
OPEN311_FILING = "/open311/v2/requests"
NO_PARTNER_CHAIN = "-"
MESSAGE_ID_HEADER = "X-LGSP-Id"
REQUEST_HASH_HEADER = "X-LGSP-Request-Hash"


def sha512(body: bytes) -> str:
    return hashlib.sha512(body).hexdigest()


@dataclass(frozen=True)
class Hashed:
    """A body known by its size and SHA-512 only (read as a stream)."""

    size: int
    sha512: str


def hashed(body: "bytes | Hashed") -> Hashed:
    return body if isinstance(body, Hashed) else Hashed(size=len(body), sha512=sha512(body))


def new_message_id() -> str:
    return uuid.uuid4().hex


def row_hash(row: ExchangeLog) -> str:
    """SHA-512 of the canonical JSON of every field but the row's own hash, the previous hash included."""
    started = row.started_at.astimezone(UTC).isoformat()
    fields = [
        row.chain,
        row.seq,
        row.message_id,
        row.direction,
        row.partner_id,
        row.service,
        row.method,
        row.target,
        row.status,
        row.user_ref,
        started,
        row.duration_ms,
        row.request_bytes,
        row.response_bytes,
        row.request_sha512,
        row.response_sha512,
        row.prev_hash,
    ]
    return hashlib.sha512(canonical_json(fields).encode()).hexdigest()


def append(
    *,
    direction: str,
    partner: Partner | None,
    service: str,
    method: str,
    target: str,
    status: int,
    request_body: "bytes | Hashed",
    response_body: "bytes | Hashed",
    started_at: datetime,
    duration_ms: int,
    message_id: str | None = None,
    user_ref: str = "",
    chain: str = "",
) -> ExchangeLog:
    """Appends one call to its chain: the partner's, `chain` for a party that is no partner (the national
    portal), else the chain of calls of no known partner. The head row is locked: the chain never forks."""
    chain = chain or (partner.code if partner is not None else NO_PARTNER_CHAIN)
    sent, answered = hashed(request_body), hashed(response_body)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                head = _head_locked(chain)
                row = ExchangeLog(
                    message_id=message_id or new_message_id(),
                    chain=chain,
                    seq=head.seq + 1,
                    direction=direction,
                    partner=partner,
                    service=service[:60],
                    method=method[:10],
                    target=target[:300],
                    status=status,
                    user_ref=user_ref[:120],
                    started_at=started_at,
                    duration_ms=duration_ms,
                    request_bytes=sent.size,
                    response_bytes=answered.size,
                    request_sha512=sent.sha512,
                    response_sha512=answered.sha512,
                    prev_hash=head.head_hash,
                )
                row.row_hash = row_hash(row)
                row.save(force_insert=True)
                head.seq, head.head_hash = row.seq, row.row_hash
                head.save(update_fields=["seq", "head_hash"])
                return row
        except IntegrityError:  # two first calls of a partner created its head at once; the loser retries
            continue
    raise RuntimeError(f"exchange log chain {chain} stayed contended")


def _head_locked(chain: str) -> ExchangeChain:
    head = ExchangeChain.objects.select_for_update().filter(name=chain).first()
    if head is None:
        head = ExchangeChain.objects.create(name=chain)
    return head


class HashingStream:
    """Reads through to the request's stream, hashing and counting what the view reads: the whole body is
    hashed even when it is too big to hold in memory (an Open311 filing with photos)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.digest = hashlib.sha512()
        self.size = 0

    def _seen(self, data: bytes) -> bytes:
        self.digest.update(data)
        self.size += len(data)
        return data

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        return self._seen(self.stream.read(*args, **kwargs))

    def readline(self, *args: Any, **kwargs: Any) -> bytes:
        return self._seen(self.stream.readline(*args, **kwargs))

    def close(self) -> None:
        """Left open when Django has read the body: finish() reads what is left, the server closes it."""

    def finish(self) -> tuple[int, str]:
        """Reads what the view left (a refused call's body) and gives the body's size and SHA-512."""
        try:
            while self.read(64 * 1024):
                pass
        except (OSError, ValueError):  # the client went away: the hash of what came
            pass
        return self.size, self.digest.hexdigest()


def _open311_partner(request: HttpRequest) -> None:
    """An Open311 filing names its partner by the api_key field of its form (read after the view parsed it)."""
    from tinhso.integration import gateway
    from tinhso.integration.selectors import OPEN311_SERVICE

    request.lgsp_service = OPEN311_SERVICE  # type: ignore[attr-defined]
    try:
        secret = request.POST.get("api_key", "").strip()
    except Exception:  # a body the view refused to parse: the call stays of no known partner
        return
    caller = gateway.caller_by_key(secret) if secret else None
    if caller is not None:
        request.lgsp_partner = caller.partner  # type: ignore[attr-defined]


def inbound(request: HttpRequest, respond: Callable[[HttpRequest], HttpResponse]) -> HttpResponse:
    """Runs the call, then logs it and tells the caller its message id and the hash of what it sent."""
    message_id = new_message_id()
    request.lgsp_message_id = message_id  # type: ignore[attr-defined]
    stream = HashingStream(request._stream)  # type: ignore[attr-defined]
    request._stream = stream  # type: ignore[assignment]
    started_at, clock = timezone.now(), time.perf_counter()
    response = respond(request)
    duration_ms = int((time.perf_counter() - clock) * 1000)
    if request.path.startswith(OPEN311_FILING) and not hasattr(request, "lgsp_partner"):
        _open311_partner(request)
    request_bytes, request_hash = stream.finish()
    content = b"" if response.streaming else response.content
    append(
        direction=ExchangeLog.Direction.INBOUND,
        partner=getattr(request, "lgsp_partner", None),
        service=getattr(request, "lgsp_service", ""),
        method=request.method or "",
        target=request.path,
        status=response.status_code,
        request_body=Hashed(size=request_bytes, sha512=request_hash),
        response_body=content,
        started_at=started_at,
        duration_ms=duration_ms,
        message_id=message_id,
        user_ref=request.headers.get("X-LGSP-UserId", ""),
    )
    response[MESSAGE_ID_HEADER] = message_id
    response[REQUEST_HASH_HEADER] = request_hash
    return response


class ExchangeLogMiddleware:
    """Logs every call under INBOUND_PREFIXES, whatever its answer (401, 403, 429 included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(INBOUND_PREFIXES) or (
            request.method == "POST" and request.path.startswith(OPEN311_FILING)
        ):
            return inbound(request, self.get_response)
        return self.get_response(request)


# --- Verification ------------------------------------------------------------------------------------------


def problems(*, chunk_size: int = 5000) -> Iterator[tuple[str, str]]:
    """(where, what) for every row whose hash no longer matches, every gap or rewritten link, and every chain
    whose recorded head is not its last row (rows deleted at the end). A chain starts after its floor (the
    entries removed past retention; sealing.problems checks the floor against the signed digest)."""
    from django.utils.translation import gettext as _

    heads = {name: (seq, floor_seq, floor_hash) for name, seq, floor_seq, floor_hash in _heads()}
    chain, last_seq, last_hash = None, 0, ""
    rows = ExchangeLog.objects.order_by("chain", "seq").iterator(chunk_size=chunk_size)
    for row in rows:
        where = _("nhật ký trao đổi %(chain)s số %(seq)s (#%(id)s)") % {
            "chain": row.chain,
            "seq": row.seq,
            "id": row.pk,
        }
        if row.chain != chain:
            if chain is not None:
                yield from _tail(chain, last_seq, heads)
            chain = row.chain
            _head, last_seq, last_hash = heads.get(chain, (0, 0, ""))
        if row_hash(row) != row.row_hash:
            yield where, _("nội dung đã bị sửa: mã băm không còn khớp.")
        if row.seq != last_seq + 1:
            yield where, _("thiếu bản ghi số %(seq)s ngay trước bản ghi này.") % {"seq": last_seq + 1}
        elif row.prev_hash != last_hash:
            yield where, _("không nối với bản ghi liền trước: chuỗi đã bị viết lại.")
        last_seq, last_hash = row.seq, row.row_hash
    if chain is not None:
        yield from _tail(chain, last_seq, heads)
    for lost in sorted(heads):
        seq, floor_seq, _floor_hash = heads[lost]
        if seq > floor_seq:
            yield (
                lost,
                _("chuỗi nhật ký trao đổi đã ghi %(seq)s bản ghi, nay không còn bản ghi nào.") % {"seq": seq},
            )


def _heads() -> list[tuple[str, int, int, str]]:
    return list(ExchangeChain.objects.values_list("name", "seq", "floor_seq", "floor_hash"))


def _tail(chain: str, last_seq: int, heads: dict[str, tuple[int, int, str]]) -> Iterator[tuple[str, str]]:
    from django.utils.translation import gettext as _

    recorded = heads.pop(chain, None)
    if recorded is not None and recorded[0] != last_seq:
        message = _("chuỗi nhật ký trao đổi đã ghi đến số %(recorded)s, nay chỉ còn đến số %(last)s.")
        yield chain, message % {"recorded": recorded[0], "last": last_seq}


def count() -> int:
    return ExchangeLog.objects.count()
