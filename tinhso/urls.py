from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from tinhso.api import api
from tinhso.web.views import public_media

# The API first: Django tries the patterns in order, and API calls are the most frequent requests.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("", include("tinhso.web.urls")),
    path("", include("tinhso.core.urls")),
    path("", include("tinhso.notifications.urls")),
    path("", include("tinhso.fieldreports.urls")),
    path("", include("tinhso.catalog.urls")),
    path("", include("tinhso.dossiers.urls")),
    path("", include("tinhso.ioc.urls")),
    path("", include("tinhso.reporting.urls")),
    path("", include("tinhso.payments.urls")),
    path("", include("tinhso.opendata.urls")),
    path("", include("tinhso.integration.urls")),
    path("", include("tinhso.signing.urls")),
    path("", include("tinhso.receipts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("tinhso.fieldreports.open311_urls")),
    path("admin/", admin.site.urls),
]
# Only the public folders of MEDIA_ROOT, never the rest (see PUBLIC_MEDIA_FOLDERS in the settings).
if settings.TINHSO_SERVE_PUBLIC_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<folder>{folder})/(?P<path>.+)$",
            public_media,
        )
        for folder in settings.PUBLIC_MEDIA_FOLDERS
    ]
