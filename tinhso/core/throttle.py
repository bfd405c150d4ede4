"""Limits on repeated attempts (wrong passwords, anonymous filings), counted in the shared cache so that every
worker process, on every machine, sees the same count: Redis with REDIS_URL, else a folder of this machine."""

import math
import time
from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.core.cache import BaseCache
from django.http import HttpRequest

from tinhso.core import caching


@dataclass(frozen=True)
class Limit:
    """At most `attempts` in a window of `seconds` opened by the first one; then refused until it closes."""

    name: str
    attempts: int
    seconds: int


# Wrong passwords: per account whatever the address (guessing one person's password), per address whatever
# the account (trying one common password on many accounts).
SIGN_IN_PER_ACCOUNT = Limit("sign-in-account", attempts=5, seconds=15 * 60)
SIGN_IN_PER_ADDRESS = Limit("sign-in-address", attempts=20, seconds=15 * 60)
# Anonymous field reports per address, as Signalen does, so a script cannot flood the centre.
FIELD_REPORTS_PER_ADDRESS = Limit("field-reports-address", attempts=10, seconds=60 * 60)


# Counted in the "shared" cache alias, which every worker process sees.
_COUNTS = caching.Shared("core.throttle_counts", alias="shared", seconds=60 * 60)


def shared_cache() -> BaseCache:
    return _COUNTS.backend


def client_address(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or the header the deployment's reverse proxy sets (and overwrites)
    named by TINHSO_CLIENT_IP_HEADER, e.g. X-Real-IP."""
    header = settings.TINHSO_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(limit: Limit, subject: str) -> tuple[str, str]:
    digest = sha256(subject.encode()).hexdigest()[:32]  # any text (a username) makes a valid, short key
    return f"throttle:{limit.name}:{digest}", f"throttle:{limit.name}:{digest}:ends"


def retry_after(limit: Limit, subject: str) -> int:
    """Seconds until `subject` may try again; 0 when it may now."""
    cache = shared_cache()
    count_key, ends_key = _keys(limit, subject)
    values = cache.get_many([count_key, ends_key])
    left = values.get(ends_key, 0) - time.time()
    if values.get(count_key, 0) < limit.attempts or left <= 0:
        return 0
    return max(1, math.ceil(left))


def hit(limit: Limit, subject: str) -> int:
    """Counts one attempt of `subject` (atomically where the cache can: Redis INCR); returns the count."""
    cache = shared_cache()
    count_key, ends_key = _keys(limit, subject)
    now = time.time()
    if cache.add(ends_key, now + limit.seconds, timeout=limit.seconds):
        cache.set(count_key, 0, timeout=limit.seconds)  # a new window: an older count is forgotten
    elif cache.get(ends_key, now) <= now:  # the window closed before the cache dropped it
        cache.set_many({ends_key: now + limit.seconds, count_key: 0}, timeout=limit.seconds)
    cache.add(count_key, 0, timeout=limit.seconds)
    try:
        return cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=limit.seconds)
        return 1


def clear(limit: Limit, subject: str) -> None:
    shared_cache().delete_many(list(_keys(limit, subject)))
