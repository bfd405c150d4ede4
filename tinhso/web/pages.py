"""One answer for pages a person may not open or may not GET, and the security headers of every answer."""

from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tinhso.core.errors import Forbidden, NotFound

# Browser features no page of the platform uses; the report form may ask for the phone's position.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def _tile_source() -> str:
    """The deployment's tile server as a CSP source ("https://*.tiles.example" for a {s} subdomain)."""
    if not settings.TINHSO_TILE_URL:
        return ""
    parts = urlsplit(settings.TINHSO_TILE_URL.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


@cache
def content_security_policy() -> str:
    """Scripts only from the platform's own files (no inline script, no eval); styles may sit in attributes
    (charts, maps and Swagger UI position their elements with them), images come from the platform, data:
    URLs (Leaflet's icons) and the deployment's tile server."""
    images = " ".join(filter(None, ["'self'", "data:", "blob:", _tile_source()]))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    """Content-Security-Policy and Permissions-Policy on every answer (Referrer-Policy, HSTS and the
    cookies' flags come from Django's settings)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


class PageErrors:
    """Pages answer a refusal the same way everywhere: a service's Forbidden is the 403 page, its NotFound
    the 404 page, and a GET of an address that only takes a form's POST explains itself instead of an empty
    405. The API answers its own errors (problem+json)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not _is_api(request) and not response.content:
            return _method_not_allowed(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if _is_api(request):
            return
        # Raised here, Django's own handlers render 403.html and 404.html with the message.
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message) from exception
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/open311/"))


def _method_not_allowed(request: HttpRequest, refused: HttpResponse) -> HttpResponse:
    # The page the action belongs to is one step up: /can-bo/ho-so/<code>/tiep-nhan/ -> /can-bo/ho-so/<code>/.
    parent = request.path.rstrip("/").rsplit("/", 1)[0] + "/"
    response = render(request, "405.html", {"back_url": parent}, status=405)
    response["Allow"] = refused.get("Allow", "POST")
    return response
