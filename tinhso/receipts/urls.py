from django.urls import path

from tinhso.receipts import views

app_name = "receipts"
urlpatterns = [
    path("can-bo/bien-lai/", views.collected, name="collected"),
    path("can-bo/bien-lai/<str:code>/huy/", views.cancel, name="cancel"),
]
