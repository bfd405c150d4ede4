from django.urls import path

from tinhso.signing import views

app_name = "signing"
urlpatterns = [
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:code>/", views.document, name="document"),
    path("xac-thuc/<str:code>/tai-ve/", views.download, name="download"),
    path("kho-du-lieu/", views.data_store, name="data-store"),
    path("kho-du-lieu/<str:code>/dinh-kem/", views.reuse, name="reuse"),
    path("ky-so/tsa", views.timestamp_authority, name="tsa"),
    path("ky-so/crl/root.crl", views.revocation_list, name="crl"),
]
