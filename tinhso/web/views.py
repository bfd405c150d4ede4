"""Shared pages: the home page, each person's start page, the lost-session page and the health check."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve
from huey.contrib.djhuey import HUEY

from tinhso.core.auth import SignedInRequest
from tinhso.web.navigation import start_page

# Form fields never shown back: the platform's own hidden fields (and any password).
HIDDEN_FIELDS = {"csrfmiddlewaretoken", "version", "next", "language"}
SHOWN_TEXT = 5000  # characters of a field shown back on the lost-session page


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
def start(request: SignedInRequest) -> HttpResponse:
    """After sign-in: each role's own page (the dossier queue, the report desk, the operations centre...)."""
    return redirect(start_page(request.user))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid session token (the session expired, or the page was open too long):
    says so in Vietnamese, shows back what was typed so nothing is lost, and how to send it again. It
    never resends by itself: that would let another site post in the person's name."""
    typed = [
        {"name": name, "value": value[:SHOWN_TEXT]}
        for name, values in request.POST.lists()
        if name not in HIDDEN_FIELDS and "password" not in name
        for value in values
        if value.strip()
    ]
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) else ""
    context = {"typed": typed, "back_url": back or request.path, "sign_in_url": reverse("core:citizen-login")}
    return render(request, "web/csrf_failure.html", context, status=403)


@cache_control(public=True, max_age=3600)
def js_catalog(request: HttpRequest, language: str) -> HttpResponseBase:
    """The texts of the platform's JavaScript in `language` (djangojs catalogue): the language is in the
    address, so a browser keeps one copy per language."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(language):
        return JavaScriptCatalog.as_view()(request)


def public_media(request: HttpRequest, folder: str, path: str) -> FileResponse:
    """A public file (a field-report photo) where no web server stands in front (the demo). Rooted at its
    folder, so "fieldreports/../dossiers/..." cannot climb out of it."""
    return serve(request, path, document_root=str(Path(settings.MEDIA_ROOT) / folder))


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as error:  # the health check reports any failure instead of raising it
        return {"status": "error", "error": str(error)}


def _queue_state() -> dict:
    try:
        return {"status": "ok", "backend": type(HUEY.storage).__name__, "pending": HUEY.pending_count()}
    except Exception as error:  # the health check reports any failure instead of raising it
        return {"status": "error", "error": str(error)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database, queue = _database_state(), _queue_state()
    healthy = database["status"] == queue["status"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "queue": queue},
        status=200 if healthy else 503,
    )
