"""The operations centre's dashboard answered from a kept page (issue 25): the whole answer a leader got, kept
on the shared cache under the rollups' state and everything else that decides its bytes, and answered before
Django reads the session, the account and the roles one by one. The leader's rights are still checked on every
request, by one statement (ioc.sql.session_access) that must read exactly what it read when the page was
rendered: the session's data, the account with its confirmed devices and unread count, the roles in force. Any
change (signed out, expired, a role revoked, a new password, a removed device, a deactivated account, a new
notification) sends the request through the whole page, which checks it as every page does."""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from tinhso.core import caching, routers
from tinhso.core.display import page_url
from tinhso.ioc import sql
from tinhso.ioc.models import STATE_NAME, ConsumerState

KEPT_SECONDS = 60  # as the dashboard's parts (views.DASHBOARD_SECONDS): a kept page never outlives them
# The CSRF token in a kept page: each answer gets a token of its own, masked anew, as a rendered page does.
TOKEN_MARK = b"__tinhso_csrf_token__"
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
_KEEP = "_ioc_kept_page"  # the request attribute naming the key the dashboard's answer is kept under
_CHECKED = "_ioc_checked"  # the request attribute holding session_access's answer read on its way in


@dataclass(frozen=True)
class Access:
    """What session_access read for a session when its dashboard was rendered, under the session's key."""

    user_id: Any
    facts: tuple[Any, ...]
    digest: str  # of the facts, in the kept pages' keys


# Per process: every request checks the facts anew in the database, so a process may keep them for good.
_ACCESS = caching.Kept("ioc.kept_access", max_entries=10_000)
# Their keys name everything their bytes depend on: a copy a process read is as fresh as the shared one.
_PAGES = caching.Shared("ioc.kept_pages", alias="pages", seconds=KEPT_SECONDS, read_here=64)


def _page_key(request: HttpRequest, access: Access, state: sql.RollupState, today: date) -> str:
    """The page's bytes depend on who asks (their name, menu, unread count: in the facts), the rollups' state,
    the address asked, the language, the day (the period choices) and whether htmx asks for the figures only."""
    # The address and the htmx header as the request brings them: parsing them anew costs more than the key.
    asked = (request.path, request.META.get("QUERY_STRING", ""), "HTTP_HX_REQUEST" in request.META)
    return caching.key_of(access.digest, state[:3], *asked, get_language(), today)


def _checked(session_key: str, user_id: Any, today: date) -> tuple[tuple[Any, ...], sql.RollupState]:
    return sql.session_access(session_key=session_key, user_id=user_id, now=timezone.now(), today=today)


def _caught_up(state: sql.RollupState) -> bool:
    return state[0] is not None and (state[3] or 0) <= state[0]


def _may_keep(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and request.path == page_url("ioc:dashboard")
        and CookieStorage.cookie_name not in request.COOKIES
        and routers.replica_lag() is None  # a page read from a replica shows its lag, read per request
    )


def _instant(value: Any) -> datetime | None:
    """A datetime as the cursor gives it (text on SQLite, naive there in UTC) as an aware one."""
    found = parse_datetime(value) if isinstance(value, str) else value
    if found is not None and timezone.is_naive(found):
        return timezone.make_aware(found, UTC)
    return found


def remember(request: HttpRequest, rendered_for: ConsumerState) -> None:
    """Called by the dashboard once it has checked the leader's rights and rendered for this rollup state: its
    answer is kept for the next requests of this session, unless the rollups moved meanwhile."""
    session_key = request.session.session_key
    if not session_key or not _may_keep(request) or request.session.get("_messages"):
        return
    checked = getattr(request, _CHECKED, None)  # by this request on its way in, when no page was kept yet
    today = timezone.localdate()
    facts, state = checked if checked is not None else _checked(session_key, request.user.pk, today)
    rollups = (rendered_for.last_event_id, rendered_for.horizon, rendered_for.updated_at)
    if not facts or not _caught_up(state) or (state[0], state[1], _instant(state[2])) != rollups:
        return
    access = Access(user_id=request.user.pk, facts=facts, digest=caching.key_of(facts))
    _ACCESS.put(session_key, access)
    setattr(request, _KEEP, _page_key(request, access, state, today))


def rollups_read(request: HttpRequest) -> ConsumerState | None:
    """Where the rollups stood when this request's way in read them caught up with the log (the page it asked
    was not kept): the dashboard need not read them again; None when they were not read so."""
    checked = getattr(request, _CHECKED, None)
    if checked is None or not _caught_up(checked[1]):
        return None
    last_event_id, horizon, updated_at, _newest = checked[1]
    return ConsumerState(
        name=STATE_NAME, last_event_id=last_event_id, horizon=horizon, updated_at=_instant(updated_at)
    )


# A kept page's token is masked as Django masks it (a mask of random allowed characters, added to the secret
# character by character), its mask drawn from the system's random bytes in one call where Django draws each
# character alone: most of a kept page's own work. Bytes past the last whole run of the alphabet are dropped,
# so every character stays equally likely.
_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
_EVEN = 256 - 256 % len(CSRF_ALLOWED_CHARS)
_AS_CHARS = bytes.maketrans(
    bytes(range(_EVEN)), (CSRF_ALLOWED_CHARS * (_EVEN // len(CSRF_ALLOWED_CHARS))).encode()
)
_UNEVEN = bytes(range(_EVEN, 256))


def _random_chars(count: int) -> str:
    drawn = b""
    while len(drawn) < count:
        drawn += secrets.token_bytes(count).translate(_AS_CHARS, _UNEVEN)
    return drawn[:count].decode()


def _token(request: HttpRequest) -> str:
    """What django.middleware.csrf.get_token answers: the browser's secret masked anew, its cookie renewed on
    the way out; a browser without one (its first page) gets one from Django."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_chars(len(secret))
    size = len(CSRF_ALLOWED_CHARS)
    pairs = zip(secret, mask, strict=True)
    return mask + "".join(CSRF_ALLOWED_CHARS[(_INDEX[char] + _INDEX[by]) % size] for char, by in pairs)


def _kept(request: HttpRequest) -> HttpResponse | None:
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    access = _ACCESS.peek(session_key) if session_key else None
    if access is None:
        return None
    today = timezone.localdate()
    facts, state = _checked(session_key, access.user_id, today)
    if facts != access.facts or not _caught_up(state):
        return None
    page = _PAGES.peek(_page_key(request, access, state, today))
    if page is None:
        setattr(request, _CHECKED, (facts, state))
        return None
    headers, body = page
    response = HttpResponse(body.replace(TOKEN_MARK, _token(request).encode()))
    for name, value in headers:
        response[name] = value
    patch_vary_headers(response, ("Cookie",))  # Django's session adds it to the pages that read the session
    return response


def _keep(key: str, response: HttpResponse) -> None:
    body = response.content
    token = _TOKEN.search(body)
    if token is not None:
        body = body.replace(token.group(1), TOKEN_MARK)
    _PAGES.put(key, (list(response.items()), body))


def kept_dashboard(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware, placed before the second-factor gate (which reads the account): the kept dashboard when the
    session's facts are those read when it was rendered, else the page as usual, kept on its way out."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not _may_keep(request):
            return get_response(request)
        kept = _kept(request)
        if kept is not None:
            return kept
        response = get_response(request)
        key = getattr(request, _KEEP, None)
        if key is not None and response.status_code == 200 and not response.streaming:
            _keep(key, response)
        return response

    return middleware
