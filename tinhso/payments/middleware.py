"""A gateway's callback goes straight to its view: it carries no session, no form, no language and no user,
so the page middleware after this one (sessions, locale, CSRF, authentication, second factor, messages, the
page errors) and the URL resolution would only spend the notice's CPU (bench/payments.py). Nor does it check
the database connection before the notice (CONN_HEALTH_CHECKS: a SELECT 1, a round trip per request): the
view retries the notice on a new connection when the database had dropped the one it was given."""

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from tinhso.payments import views
from tinhso.payments.urls import IPN_PATH
from tinhso.web.middleware import NUL


def gateway_callbacks(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: VNPay's IPN (a GET) answered by its view; anything else, and a query that may hold a NUL
    character (refused further on), takes the whole chain."""

    def middleware(request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if request.path_info != IPN_PATH or request.method != "GET" or "%00" in query or NUL in query:
            return get_response(request)
        # No SELECT 1 first: the notice's first statement checks the connection (views._received).
        connection.health_check_done = True  # type: ignore[attr-defined]
        response = views.vnpay_ipn(request)
        # As XFrameOptionsMiddleware would: the same headers as any other answer.
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response

    return middleware
