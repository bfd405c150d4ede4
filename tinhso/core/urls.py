from django.urls import path

from tinhso.core import views

app_name = "core"
urlpatterns = [
    path("dang-nhap/", views.CitizenSignInView.as_view(), name="citizen-login"),
    path("can-bo/dang-nhap/", views.OfficialSignInView.as_view(), name="official-login"),
    path("dang-xuat/", views.SignOutView.as_view(), name="logout"),
    path("tai-khoan/ma-truy-cap/", views.tokens, name="tokens"),
    path("can-bo/xac-thuc/", views.second_factor_check, name="second-factor"),
    path("tai-khoan/xac-thuc-hai-buoc/", views.second_factor_setup, name="second-factor-setup"),
]
