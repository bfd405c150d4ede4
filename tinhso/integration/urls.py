from django.urls import path

from tinhso.integration import oauth, views

app_name = "integration"
urlpatterns = [
    path("lgsp/oauth/token", oauth.token, name="token"),
    path("tich-hop/", views.catalogue, name="catalogue"),
    path("tich-hop/quan-tri/", views.admin_index, name="admin"),
    path("tich-hop/quan-tri/yeu-cau/<int:request_id>/", views.answer_request, name="answer-request"),
    path("tich-hop/quan-tri/thong-ke/", views.statistics, name="statistics"),
    path("tich-hop/quan-tri/nhat-ky.csv", views.exchange_csv, name="exchange-csv"),
    path("gia-lap/dvcqg/", views.fake_portal, name="fake-portal"),
    path("gia-lap/dvcqg/<slug:service>", views.fake_portal, name="fake-portal-service"),
    path("gia-lap/nhan-su-kien/", views.fake_receiver, name="fake-receiver"),
]
