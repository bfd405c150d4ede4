from django.urls import path

from tinhso.dossiers import views

app_name = "dossiers"
urlpatterns = [
    path("thu-tuc/<str:code>/nop/", views.submit, name="submit"),
    path("lien-thong/<str:code>/nop/", views.submit_bundle, name="bundle"),
    path("ho-so/cua-toi/", views.my_dossiers, name="mine"),
    path("ho-so/tra-cuu/", views.lookup, name="lookup"),
    path("ho-so/tra-cuu/<str:code>/", views.track, name="track"),
    path("ho-so/<str:code>/", views.detail, name="detail"),
    path("ho-so/<str:code>/ket-qua/", views.result, name="result"),
    path("ho-so/<str:code>/giay-to/<int:pk>/", views.attachment, name="attachment"),
    path("ho-so/<str:code>/van-ban/<slug:form>.pdf", views.document, name="document"),
    path("ho-so/<str:code>/<slug:action>/", views.act, name="act"),
    path("can-bo/ho-so/", views.queue, name="queue"),
]
