"""One way for a creating call to honour a client's Idempotency-Key, used by every app that creates cases.

The key (1 to 200 characters) and a fingerprint of the request are stored in one table for every app
(core.IdempotencyKey, by user and kind of call) with the id of what the request creates, in the same
transaction, so the database's unique constraint decides between concurrent retries without a look-up
before every first request. An insert refused as a duplicate is answered with what the first request
created, or refused as `idempotency_key_reused` when that request asked something else."""

from collections.abc import Callable
from hashlib import sha256
from typing import TypeVar

from django.db import IntegrityError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import Conflict, InvalidInput
from tinhso.core.eventlog import canonical_json
from tinhso.core.models import IdempotencyKey, User

MAX_KEY_LENGTH = 200
HEADER = "Idempotency-Key"
T = TypeVar("T")


def fingerprint(**request: object) -> str:
    """What identifies a request: two requests with one key and different fingerprints are not retries."""
    return sha256(canonical_json(request).encode()).hexdigest()


def checked_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput.on(HEADER, _("Idempotency-Key phải dài từ 1 đến 200 ký tự."))
    return key


def key_row(*, user: User, scope: str, key: str, fingerprint: str, created: Model) -> IdempotencyKey:
    """The unsaved key of the request that creates `created` (its id already known): the caller inserts it
    with what it creates, in one transaction, inside `insert_or_earlier`."""
    return IdempotencyKey(user=user, scope=scope, key=key, fingerprint=fingerprint, created_id=created.pk)


def insert_or_earlier(
    *,
    insert: Callable[[], None],
    user: User | None,
    scope: str,
    key: str,
    fingerprint: str,
    load: Callable[[int], T],
) -> T | None:
    """Runs `insert`, which stores the key (`key_row`) with what it creates (None then); when a request with
    the same key stored it first, what that request created, read by `load` from its id. A refusal for
    another cause is raised again."""
    try:
        insert()
    except IntegrityError:
        found = (
            IdempotencyKey.objects.filter(user=user, scope=scope, key=key)
            .values_list("fingerprint", "created_id")
            .first()
        )
        if found is None:
            raise
        stored, created_id = found
        if stored != fingerprint:
            raise Conflict(
                _("Idempotency-Key này đã được dùng cho một yêu cầu khác."), code="idempotency_key_reused"
            ) from None
        return load(created_id)
    return None
