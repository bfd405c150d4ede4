from django.urls import path, re_path

from tinhso.opendata import ckan, dcat, views

app_name = "opendata"
urlpatterns = [
    # CKAN's action API at both of its addresses, with no trailing slash and no redirect (ckanapi refuses one).
    path("api/3/action/<str:name>", ckan.action, name="ckan-action"),
    path("api/action/<str:name>", ckan.action, name="ckan-action-short"),
    re_path(r"^catalog\.(?P<fmt>ttl|jsonld|rdf)$", dcat.catalog, name="dcat-catalog"),
    re_path(r"^dataset/(?P<name>[-\w]+)\.(?P<fmt>ttl|jsonld|rdf)$", dcat.dataset, name="dcat-dataset"),
    path("du-lieu-mo/", views.search, name="search"),
    path("du-lieu-mo/thong-ke/", views.statistics, name="statistics"),
    path("du-lieu-mo/quan-ly/", views.manage, name="manage"),
    path("du-lieu-mo/quan-ly/tao-moi/", views.create, name="create"),
    path("du-lieu-mo/du-lieu-dung-chung/", views.shared, name="shared"),
    path("du-lieu-mo/du-lieu-dung-chung/yeu-cau/<int:request_id>/<str:action>/", views.answer, name="answer"),
    path("du-lieu-mo/<slug:name>/", views.dataset, name="dataset"),
    path("du-lieu-mo/<slug:name>/tai-len/", views.upload, name="upload"),
    path("du-lieu-mo/<slug:name>/thao-tac/<str:action>/", views.act, name="act"),
    path("du-lieu-mo/<slug:name>/mien-tru/", views.exempt, name="exempt"),
    path("du-lieu-mo/<slug:name>/ra-soat/", views.review, name="review"),
    path("du-lieu-mo/tai-nguyen/<uuid:resource_id>.<str:fmt>", views.download, name="download"),
]
