"""The second factor of a session: django-otp's middleware told which devices the account's own statement found
confirmed, and the gate: a signed-in official who must pass the second factor (required for their roles, or
enrolled) reaches only the second-factor pages, sign-out and the language switch until they pass it."""

from collections.abc import Callable
from functools import cache, partial
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from tinhso.core import second_factor
from tinhso.core.auth import read_with_account

# Machine interfaces authenticate each call by token or key, never by this session; assets are public.
OPEN_PREFIXES = ("/api/", "/open311/", "/static/", "/media/", "/i18n/", "/healthz")
SESSION_KEY = "tinhso_second_factor"  # "none" once the session was found not to need it


@cache
def _gate_paths() -> tuple[str, ...]:
    return tuple(reverse(name) for name in ("core:second-factor", "core:second-factor-setup", "core:logout"))


def second_factor_gate(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_citizen
            and not second_factor.session_verified(user)
            and request.session.get(SESSION_KEY) != "none"
            and not request.path.startswith(OPEN_PREFIXES + _gate_paths())
        ):
            if second_factor.must_verify(user):
                target = reverse("core:second-factor")
                return HttpResponseRedirect(f"{target}?next={quote(request.get_full_path())}")
            request.session[SESSION_KEY] = "none"  # checked once a session: most officials need not
        return get_response(request)

    return middleware


class SessionDevice(OTPMiddleware):
    """django-otp's middleware, without its statement for the session's device: the account's statement
    (tinhso.core.sql.signed_in_user) already read which devices are confirmed. As django-otp decides, the session
    passed the second factor only while its device is confirmed and belongs to the account; the device itself
    is read only if something asks for it."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        read = read_with_account(user)
        if read is None:  # anonymous, or an account read by another backend
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if persistent_id and self._normalize_persistent_id(persistent_id) in read.confirmed_devices:
            user.otp_device = SimpleLazyObject(partial(self._device_from_persistent_id, persistent_id))
        elif persistent_id:
            del request.session[DEVICE_ID_SESSION_KEY]  # removed or unconfirmed since: no longer passed
        return user
