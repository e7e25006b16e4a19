from django.urls import path

from messaging.omnichannel import api

urlpatterns = [
    path("messages/", api.DispatchCreateView.as_view(), name="api-messages"),
    path("messages/<int:pk>/", api.DispatchDetailView.as_view(), name="api-message-detail"),
]
