from django.urls import path

from tinhso.ioc import views

app_name = "ioc"
urlpatterns = [
    path("dieu-hanh/", views.dashboard, name="dashboard"),
    path("dieu-hanh/so-lieu/", views.records, name="records"),
    path("dieu-hanh/dich-vu-chu-dong/", views.campaigns, name="campaigns"),
    path("dieu-hanh/xep-hang.<str:fmt>", views.ranking_export, name="ranking-export"),
    path("dieu-hanh/chi-so.<str:fmt>", views.scorecard_export, name="scorecard-export"),
    path("dieu-hanh/so-lieu.<str:fmt>", views.records_export, name="records-export"),
    path("dieu-hanh/truc-tiep/", views.live, name="live"),
    path("dieu-hanh/trang-thai/", views.status, name="status"),
]
