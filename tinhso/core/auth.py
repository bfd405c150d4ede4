"""Sign-in by username or, for citizens, by their 12-digit citizen ID; wrong passwords are throttled per
account and per address in the shared cache, on every path (both sign-in pages, the API's token endpoint)."""

import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tinhso.core import sql, throttle
from tinhso.core.errors import DomainError, TooManyAttempts
from tinhso.core.models import ApiToken, User

logger = logging.getLogger("tinhso.sign_in")


def account_for(identifier: str) -> User | None:
    identifier = identifier.strip()
    field = "citizen_id" if identifier.isdigit() and len(identifier) == 12 else "username"
    return User.objects.filter(**{field: identifier}).first()


class UsernameOrCitizenIdBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ) -> User | None:
        if not username or password is None:
            return None
        user = account_for(username)
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not reveal accounts
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The session's account, as ModelBackend reads it, with its confirmed devices and unread count read in the
        same statement (tinhso.core.sql.signed_in_user); Django then checks the session's password hash."""
        found = sql.signed_in_user(user_id)
        if found is None or not self.user_can_authenticate(found.user):
            return None
        setattr(found.user, _READ_WITH_ACCOUNT, found)
        return found.user


_READ_WITH_ACCOUNT = "_read_with_account"


def read_with_account(user: Any) -> sql.SignedIn | None:
    """What the session's statement read beside this account (its devices, its unread count), None for an
    account read otherwise."""
    return getattr(user, _READ_WITH_ACCOUNT, None)


class SignedInRequest(HttpRequest):
    """A request behind `login_required` (pages) or bearer auth (API): for the type checker, `user` and
    `auth` are then an account, never AnonymousUser or None."""

    user: User
    auth: User


def user_or_none(request: HttpRequest) -> User | None:
    """The signed-in account of a page anyone may open, or None for a visitor."""
    return request.user if request.user.is_authenticated else None


class BearerRequest(SignedInRequest):
    """A request the API let in with a bearer token: `api_token_id` names that token."""

    api_token_id: int


def _subjects(identifier: str, address: str) -> list[tuple[throttle.Limit, str]]:
    # The account, not the text typed: a citizen's username and citizen ID share one count.
    account = account_for(identifier)
    account_key = f"user:{account.pk}" if account else f"name:{identifier.strip().casefold()}"
    return [(throttle.SIGN_IN_PER_ACCOUNT, account_key), (throttle.SIGN_IN_PER_ADDRESS, address)]


def too_many_attempts(seconds: int) -> TooManyAttempts:
    minutes = max(1, (seconds + 59) // 60)
    at = timezone.localtime(timezone.now() + timedelta(seconds=seconds))
    message = ngettext(
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút (lúc %(time)s).",
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút (lúc %(time)s).",
        minutes,
    ) % {"minutes": minutes, "time": at.strftime("%H:%M")}
    return TooManyAttempts(message, retry_after=seconds)


def sign_in(*, request: HttpRequest, username: str, password: str, path: str) -> User:
    """The account these credentials open, or TooManyAttempts (even for the right password while the account
    or the address is locked), or a 401 DomainError. Every attempt is logged with its outcome."""
    address = throttle.client_address(request)
    subjects = _subjects(username, address)
    wait = max(throttle.retry_after(limit, subject) for limit, subject in subjects)
    if wait:
        logger.warning(
            "sign-in refused (locked %ss) path=%s account=%r address=%s", wait, path, username, address
        )
        raise too_many_attempts(wait)
    user = authenticate(request, username=username, password=password)
    if user is None:
        counts = [throttle.hit(limit, subject) for limit, subject in subjects]
        logger.warning(
            "sign-in failed path=%s account=%r address=%s counts=%s", path, username, address, counts
        )
        error = DomainError(_("Tên đăng nhập hoặc mật khẩu không đúng."), code="invalid_credentials")
        error.status = 401
        raise error
    throttle.clear(*subjects[0])
    logger.info("sign-in succeeded path=%s user=%s address=%s", path, user.pk, address)
    return user


def revoke_tokens_on_sign_out(sender: type, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    """Receiver of user_logged_out (every sign-out path, /admin/ included): the session's tokens die too."""
    from tinhso.core import services

    if request is None or user is None or not hasattr(request, "session"):
        return
    session_key = request.session.session_key or ""
    if session_key and ApiToken.objects.filter(user_id=user.pk, session_key=session_key).exists():
        services.revoke_session_tokens(user=user, session_key=session_key)


def note_second_factor_on_sign_in(sender: type, request: HttpRequest | None, user: User, **kwargs) -> None:
    """Receiver of user_logged_in: an official who need not pass a second factor is noted in the session
    now, so the gate (core.middleware) reads nothing on their pages."""
    from tinhso.core import middleware, second_factor

    if request is not None and hasattr(request, "session") and not second_factor.must_verify(user):
        request.session[middleware.SESSION_KEY] = "none"
