"""The exchange log's daily signed digest and its retention. Each day a job removes the entries older than the
retention period (a prefix of each chain: its floor moves up to the last entry removed) and records a digest
of every chain's head and floor, chained to the previous digest and MAC'd with the platform's log key, in one
transaction. `tinhso verify-log` checks the digests' chain and MACs, that each chain's floor is the one the
newest digest signed (so removing entries without the key shows), and that the head it signed is still there."""

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from tinhso.core.eventlog import GENESIS_HASH, canonical_json, checkpoint_mac, log_key, mac_matches
from tinhso.integration.models import ExchangeChain, ExchangeDigest, ExchangeLog

Head = list  # [chain, seq, head hash, floor seq, floor hash]


def digest_of(*, prev_digest: str, taken_at: datetime, heads: list[Head], removed: int) -> str:
    body = [prev_digest, taken_at.astimezone(UTC).isoformat(), heads, removed]
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def retention() -> timedelta:
    return timedelta(days=settings.TINHSO_EXCHANGE_LOG_RETENTION_DAYS)


@transaction.atomic
def close_day(*, now: datetime | None = None) -> ExchangeDigest:
    """Removes what is past retention and signs every chain's head and floor. The chains' heads stay locked
    until the commit: no call is appended between the removal, the snapshot and the signature."""
    now = now or timezone.now()
    chains = list(ExchangeChain.objects.select_for_update().order_by("name"))
    removed = sum(_remove_old(chain, before=now - retention()) for chain in chains)
    heads = [[c.name, c.seq, c.head_hash, c.floor_seq, c.floor_hash] for c in chains]
    previous = ExchangeDigest.objects.order_by("-id").values_list("digest", flat=True).first()
    prev_digest = previous or GENESIS_HASH
    digest = digest_of(prev_digest=prev_digest, taken_at=now, heads=heads, removed=removed)
    return ExchangeDigest.objects.create(
        taken_at=now,
        heads=heads,
        removed=removed,
        prev_digest=prev_digest,
        digest=digest,
        mac=checkpoint_mac(digest),
    )


def _remove_old(chain: ExchangeChain, *, before: datetime) -> int:
    """Removes the chain's entries up to the first one started at or after `before` (a prefix: a slow call
    logged after a newer one stays), and moves the floor to the last one removed."""
    rows = ExchangeLog.objects.filter(chain=chain.name, seq__gt=chain.floor_seq)
    first_kept = rows.filter(started_at__gte=before).aggregate(seq=Min("seq"))["seq"]
    last_removed = chain.seq if first_kept is None else first_kept - 1
    if last_removed <= chain.floor_seq:
        return 0
    floor_hash = rows.filter(seq=last_removed).values_list("row_hash", flat=True).first()
    if floor_hash is None:  # the entry is missing: verify-log names the gap; never hide it under a floor
        return 0
    removed, _by_model = rows.filter(seq__lte=last_removed).delete()
    chain.floor_seq, chain.floor_hash = last_removed, floor_hash
    chain.save(update_fields=["floor_seq", "floor_hash"])
    return removed


# --- Verification ------------------------------------------------------------------------------------------


def problems(*, chunk_size: int = 5000) -> Iterator[tuple[str, str]]:
    """Digests off their chain or without the key's MAC; chains whose floor or head differs from the newest
    valid digest."""
    newest: ExchangeDigest | None = None
    for digest, problem in _digests():
        if problem:
            yield _where(digest), problem
        else:
            newest = digest
    yield from _against(newest)


def _where(digest: ExchangeDigest | None) -> str:
    from django.utils.translation import gettext as _

    if digest is None:
        return _("nhật ký trao đổi (chưa có bản tóm tắt hợp lệ)")
    local = timezone.localtime(digest.taken_at)
    return _("bản tóm tắt nhật ký trao đổi ngày %(day)s (#%(id)s)") % {
        "day": f"{local:%d/%m/%Y}",
        "id": digest.pk,
    }


def _digests() -> Iterator[tuple[ExchangeDigest, str]]:
    from django.utils.translation import gettext as _

    previous, key = GENESIS_HASH, log_key()
    for digest in ExchangeDigest.objects.order_by("id").iterator():
        recomputed = digest_of(
            prev_digest=digest.prev_digest,
            taken_at=digest.taken_at,
            heads=digest.heads,
            removed=digest.removed,
        )
        problem = ""
        if recomputed != digest.digest or not mac_matches(digest.digest, digest.mac, key=key):
            problem = _("bản tóm tắt đã bị sửa hoặc tạo lại: mã xác thực (MAC) không khớp.")
        elif digest.prev_digest != previous:
            problem = _("bản tóm tắt không nối với bản liền trước: một bản tóm tắt đã bị xóa hoặc sửa.")
        previous = digest.digest
        yield digest, problem


def _against(digest: ExchangeDigest | None) -> Iterator[tuple[str, str]]:
    """Each chain's floor must be the signed one (entries are removed only with a new digest; none without
    one), and each head the digest signed must still be there with its hash."""
    from django.utils.translation import gettext as _

    signed = {row[0]: tuple(row[1:]) for row in (digest.heads if digest is not None else [])}
    floors = {
        name: (floor_seq, floor_hash)
        for name, floor_seq, floor_hash in ExchangeChain.objects.values_list(
            "name", "floor_seq", "floor_hash"
        )
    }
    for name in sorted(set(signed) | set(floors)):
        _seq, _hash, floor_seq, floor_hash = signed.get(name, (0, "", 0, ""))
        if floors.get(name, (0, "")) != (floor_seq, floor_hash):
            message = _(
                "chuỗi %(chain)s bắt đầu sau bản ghi số %(floor)s, khác với bản tóm tắt đã ký (số %(signed)s): "
                "bản ghi đã bị xóa không qua việc xóa theo thời hạn lưu giữ."
            )
            values = {"chain": name, "floor": floors.get(name, (0, ""))[0], "signed": floor_seq}
            yield _where(digest), message % values
    yield from _signed_heads(digest, signed)


def _signed_heads(digest: ExchangeDigest | None, signed: dict[str, tuple]) -> Iterator[tuple[str, str]]:
    """One query for every head the digest signed above its floor."""
    from django.utils.translation import gettext as _

    wanted = {
        name: (seq, head_hash) for name, (seq, head_hash, floor_seq, _f) in signed.items() if seq > floor_seq
    }
    if not wanted:
        return
    matches = Q()
    for name, (seq, _head_hash) in wanted.items():
        matches |= Q(chain=name, seq=seq)
    rows = ExchangeLog.objects.filter(matches).values_list("chain", "seq", "row_hash")
    found = {(chain, seq): row_hash for chain, seq, row_hash in rows}
    for name, (seq, head_hash) in sorted(wanted.items()):
        if found.get((name, seq)) != head_hash:
            message = _(
                "bản ghi số %(seq)s của chuỗi %(chain)s không còn như lúc ký: nhật ký đã bị sửa hoặc xóa."
            )
            yield _where(digest), message % {"chain": name, "seq": seq}
