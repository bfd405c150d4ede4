from django.urls import path

from tinhso.notifications import views

app_name = "notifications"
urlpatterns = [
    path("thong-bao/", views.inbox, name="inbox"),
    path("thong-bao/<int:pk>/mo/", views.open_notification, name="open"),
    path("thong-bao/da-doc-het/", views.mark_all_read, name="mark-all-read"),
    # Short, for the links in SMS and e-mail messages: the message id (hex) is the key.
    path("tb/<str:token>/", views.open_message, name="open-message"),
    path("tb/<str:token>/huy/", views.unsubscribe, name="unsubscribe"),
]
