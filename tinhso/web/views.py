"""Shared pages: the home page and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


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
