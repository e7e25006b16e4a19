from django.urls import include, path

from messaging.api import views
from messaging.audience.api import ContactsImportView, ImportRunView

urlpatterns = [
    path("contacts/", views.ContactCreateView.as_view(), name="api-contacts"),
    path("contacts/import/", ContactsImportView.as_view(), name="api-contacts-import"),
    path("imports/<int:pk>/", ImportRunView.as_view(), name="api-import-run"),
    path("message-log/", views.MessageLogView.as_view(), name="api-message-log"),
    path("", include("messaging.omnichannel.urls")),
]
