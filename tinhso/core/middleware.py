"""The second-factor gate: a signed-in official who must pass the second factor (required for their roles,
or enrolled) reaches only the second-factor pages, sign-out and the language switch until they pass it."""

from collections.abc import Callable
from functools import cache
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from tinhso.core import second_factor

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
