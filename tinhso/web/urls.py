from django.urls import path

from tinhso.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("bat-dau/", views.start, name="start"),
    path("jsi18n/<str:language>/", views.js_catalog, name="js-catalog"),
]
