from django.urls import path

from tinhso.fieldreports import views

app_name = "fieldreports"
urlpatterns = [
    path("phan-anh/", views.report_list, name="report-list"),
    path("phan-anh/ban-do.geojson", views.report_points, name="report-points"),
    path("phan-anh/xa-phuong.geojson", views.commune_centres, name="commune-centres"),
    path("phan-anh/gui/", views.report_new, name="report-new"),
    path("phan-anh/gan-day/", views.nearby, name="nearby"),
    path("phan-anh/dia-ban/", views.places, name="places"),
    path("phan-anh/cau-hoi/", views.questions, name="questions"),
    path("phan-anh/cua-toi/", views.my_reports, name="my-reports"),
    path("phan-anh/<str:tracking_code>/", views.report_detail, name="report-detail"),
    path("phan-anh/<str:tracking_code>/danh-gia/", views.rate, name="rate"),
    path("phan-anh/<str:tracking_code>/theo-doi/", views.follow, name="follow"),
    path(
        "phan-anh/<str:tracking_code>/xoa-thong-tin/", views.remove_personal_data, name="remove-personal-data"
    ),
    path("can-bo/phan-anh/", views.staff_list, name="staff-list"),
    path("can-bo/phan-anh/<str:tracking_code>/", views.staff_detail, name="staff-detail"),
    path("can-bo/phan-anh/<str:tracking_code>/<slug:action>/", views.staff_action, name="staff-action"),
]
