"""The API's docs page: Swagger UI served from the platform's own static files (no CDN, no inline script)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase


class PlatformSwagger(DocsBase):
    """Ninja's Swagger page loads its files from a CDN unless ninja is an installed app, and starts them with
    an inline script; this page loads swagger-ui-dist from web/dist and reads its settings from data-*."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        context = {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)}
        return render(request, "web/api_docs.html", context)
