from django.urls import path

from tinhso.notifications import views

app_name = "notifications"
urlpatterns = [
    path("thong-bao/", views.inbox, name="inbox"),
    path("thong-bao/<int:pk>/mo/", views.open_notification, name="open"),
    path("thong-bao/da-doc-het/", views.mark_all_read, name="mark-all-read"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("thong-bao/cai-dat/", views.preferences, name="preferences"),
    path("thong-bao/trinh-duyet/", views.push_subscription, name="push-subscription"),
    path("goi-y/<int:pk>/", views.open_suggestion, name="suggestion"),
    path("goi-y/<int:pk>/bo-qua/", views.dismiss_suggestion, name="dismiss-suggestion"),
    # Short, for the links in SMS and e-mail messages: the message id (hex) is the key.
    path("tb/<str:token>/", views.open_message, name="open-message"),
    path("tb/<str:token>/huy/", views.unsubscribe, name="unsubscribe"),
]
