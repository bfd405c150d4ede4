"""The exchange log, as X-Road's message log: every call through the platform, inbound (a partner calling
the platform) or outbound (webhooks, the national portal), with a message id returned to the caller, and the
SHA-512 of the bodies, never the bodies. One hash chain per partner, verified by `tinhso verify-log`."""

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone

from tinhso.core.eventlog import canonical_json
from tinhso.integration.models import ExchangeChain, ExchangeLog, Partner

# Calls under these paths pass through the platform: the partners' API, the token endpoint, Open311 filing.
INBOUND_PREFIXES = ("/api/v1/lgsp/", "/lgsp/", "/open311/v2/requests")
NO_PARTNER_CHAIN = "-"
MESSAGE_ID_HEADER = "X-LGSP-Id"
REQUEST_HASH_HEADER = "X-LGSP-Request-Hash"


def sha512(body: bytes) -> str:
    return hashlib.sha512(body).hexdigest()


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
    request_body: bytes,
    response_body: bytes,
    started_at: datetime,
    duration_ms: int,
    message_id: str | None = None,
    user_ref: str = "",
    chain: str = "",
) -> ExchangeLog:
    """Appends one call to its chain: the partner's, `chain` for a party that is no partner (the national
    portal), else the chain of calls of no known partner. The head row is locked: the chain never forks."""
    chain = chain or (partner.code if partner is not None else NO_PARTNER_CHAIN)
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
                    request_bytes=len(request_body),
                    response_bytes=len(response_body),
                    request_sha512=sha512(request_body),
                    response_sha512=sha512(response_body),
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


def _request_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RawPostDataException:  # already read as a stream: size and hash of what is known
        return b""
    except Exception:  # too big to hold (RequestDataTooBig): the view refuses it, the log still records
        return b""


def inbound(request: HttpRequest, respond: Callable[[HttpRequest], HttpResponse]) -> HttpResponse:
    """Runs the call, then logs it and tells the caller its message id and the hash of what it sent."""
    message_id = new_message_id()
    request.lgsp_message_id = message_id  # type: ignore[attr-defined]
    body = _request_body(request)
    started_at, clock = timezone.now(), time.perf_counter()
    response = respond(request)
    content = b"" if response.streaming else response.content
    append(
        direction=ExchangeLog.Direction.INBOUND,
        partner=getattr(request, "lgsp_partner", None),
        service=getattr(request, "lgsp_service", ""),
        method=request.method or "",
        target=request.path,
        status=response.status_code,
        request_body=body,
        response_body=content,
        started_at=started_at,
        duration_ms=int((time.perf_counter() - clock) * 1000),
        message_id=message_id,
        user_ref=request.headers.get("X-LGSP-UserId", ""),
    )
    response[MESSAGE_ID_HEADER] = message_id
    response[REQUEST_HASH_HEADER] = sha512(body)
    return response


class ExchangeLogMiddleware:
    """Logs every call under INBOUND_PREFIXES, whatever its answer (401, 403, 429 included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(INBOUND_PREFIXES):
            return inbound(request, self.get_response)
        return self.get_response(request)


# --- Verification ------------------------------------------------------------------------------------------


def problems(*, chunk_size: int = 5000) -> Iterator[tuple[str, str]]:
    """(where, what) for every row whose hash no longer matches, every gap or rewritten link, and every chain
    whose recorded head is not its last row (rows deleted at the end)."""
    from django.utils.translation import gettext as _

    heads = dict(ExchangeChain.objects.values_list("name", "seq"))
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
            chain, last_seq, last_hash = row.chain, 0, ""
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
        if heads[lost]:
            yield (
                lost,
                _("chuỗi nhật ký trao đổi đã ghi %(seq)s bản ghi, nay không còn bản ghi nào.")
                % {"seq": heads[lost]},
            )


def _tail(chain: str, last_seq: int, heads: dict[str, int]) -> Iterator[tuple[str, str]]:
    from django.utils.translation import gettext as _

    recorded = heads.pop(chain, None)
    if recorded is not None and recorded != last_seq:
        message = _("chuỗi nhật ký trao đổi đã ghi đến số %(recorded)s, nay chỉ còn đến số %(last)s.")
        yield chain, message % {"recorded": recorded, "last": last_seq}


def count() -> int:
    return ExchangeLog.objects.count()
