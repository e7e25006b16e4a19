from django.urls import include, path

from messaging import api

urlpatterns = [
    path("contacts/", api.ContactCreateView.as_view(), name="api-contacts"),
    path("allow-list/", api.AllowListCreateView.as_view(), name="api-allow-list"),
    path("message-log/", api.MessageLogView.as_view(), name="api-message-log"),
    path("", include("messaging.dispatch_urls")),
]
