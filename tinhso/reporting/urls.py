from django.urls import path, re_path

from tinhso.reporting import views

app_name = "reporting"
_report = "bao-cao/<str:regime>/<str:period>/<str:unit>/"
urlpatterns = [
    path("bao-cao/", views.index, name="index"),
    path("bao-cao/tien-do/", views.progress_overview, name="progress-overview"),
    path("bao-cao/<str:regime>/<str:period>/tien-do/", views.progress, name="progress"),
    path(_report, views.report, name="report"),
    path(_report + "tu-dong-luu/", views.autosave, name="autosave"),
    path(_report + "thao-tac/<str:action>/", views.act, name="act"),
    path(_report + "giai-trinh/", views.explain, name="explain"),
    path(_report + "doi-chieu/<str:code>/", views.drill, name="drill"),
    path(_report + "bieu/<path:form>.xlsx", views.sheet, name="sheet"),
    path(_report + "bieu/<path:form>/tai-len/", views.upload, name="upload"),
    # SDMX REST paths have optional trailing parts and no trailing slash.
    re_path(
        r"^sdmx/rest/data/(?P<flow>[^/]+)(?:/(?P<key>[^/]*))?(?:/(?P<provider>[^/]+))?/?$",
        views.sdmx_data,
        name="sdmx-data",
    ),
    re_path(
        r"^sdmx/rest/(?P<resource>[a-z]+)(?:/(?P<agency>[^/]+))?(?:/(?P<resource_id>[^/]+))?(?:/(?P<version>[^/]+))?/?$",
        views.sdmx_structure,
        name="sdmx-structure",
    ),
]
