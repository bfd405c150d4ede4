from django.urls import path

from tinhso.core import views

app_name = "core"
urlpatterns = [
    path("dang-nhap/", views.CitizenSignInView.as_view(), name="citizen-login"),
    path("can-bo/dang-nhap/", views.OfficialSignInView.as_view(), name="official-login"),
    path("dang-xuat/", views.SignOutView.as_view(), name="logout"),
    path("tai-khoan/ma-truy-cap/", views.tokens, name="tokens"),
]
