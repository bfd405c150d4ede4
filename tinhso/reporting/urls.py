from django.urls import path

from tinhso.reporting import views

app_name = "reporting"
_report = "bao-cao/<str:regime>/<str:period>/<str:unit>/"
urlpatterns = [
    path("bao-cao/", views.index, name="index"),
    path("bao-cao/<str:regime>/<str:period>/tien-do/", views.progress, name="progress"),
    path(_report, views.report, name="report"),
    path(_report + "thao-tac/<str:action>/", views.act, name="act"),
    path(_report + "giai-trinh/", views.explain, name="explain"),
    path(_report + "bieu/<path:form>.xlsx", views.sheet, name="sheet"),
    path(_report + "bieu/<path:form>/tai-len/", views.upload, name="upload"),
]
