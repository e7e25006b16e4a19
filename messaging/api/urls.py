from django.urls import include, path

from messaging.api import views

urlpatterns = [
    path("contacts/", views.ContactCreateView.as_view(), name="api-contacts"),
    path("allow-list/", views.AllowListCreateView.as_view(), name="api-allow-list"),
    path("message-log/", views.MessageLogView.as_view(), name="api-message-log"),
    path("", include("messaging.omnichannel.urls")),
]
