from django.urls import path

from tinhso.signing import views

app_name = "signing"
urlpatterns = [
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:code>/", views.document, name="document"),
    path("xac-thuc/<str:code>/tai-ve/", views.download, name="download"),
    path("ky-so/tsa", views.timestamp_authority, name="tsa"),
    path("ky-so/crl/root.crl", views.revocation_list, name="crl"),
]
