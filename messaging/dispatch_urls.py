from django.urls import path

from messaging import dispatch_api

urlpatterns = [
    path("messages/", dispatch_api.DispatchCreateView.as_view(), name="api-messages"),
    path("messages/<int:pk>/", dispatch_api.DispatchDetailView.as_view(), name="api-message-detail"),
]
