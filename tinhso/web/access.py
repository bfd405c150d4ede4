"""Who may open a page, one rule across the platform: anonymous people are sent to the right sign-in page,
signed-in people without the right get the 403 page (never a 404, nor an empty list)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _


def official_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Back-office pages: officials only (the view's selectors then narrow to the units they serve)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("core:official-login"))
        if request.user.is_citizen:
            raise PermissionDenied(_("Trang này dành cho cán bộ, công chức."))
        return view(request, *args, **kwargs)

    return guarded
