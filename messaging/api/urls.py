from django.urls import include, path

from messaging.api import views
from messaging.audience import bulk_api
from messaging.audience.api import ContactsImportView, ImportRunView
from messaging.conversations import api as conversations
from messaging.email_in.api import EmailAutoReplyCreateView
from messaging.templates import api as templates
from messaging.topics import api as topics

urlpatterns = [
    path("contacts/", views.ContactCreateView.as_view(), name="api-contacts"),
    path("contacts/<int:pk>/erase/", views.ContactEraseView.as_view(), name="api-contact-erase"),
    path("contacts/import/", ContactsImportView.as_view(), name="api-contacts-import"),
    path("imports/<int:pk>/", ImportRunView.as_view(), name="api-import-run"),
    path("bulk-sends/", bulk_api.BulkSendCreateView.as_view(), name="api-bulk-sends"),
    path("bulk-sends/<int:pk>/", bulk_api.BulkSendView.as_view(), name="api-bulk-send"),
    path("bulk-sends/<int:pk>/recipients/", bulk_api.BulkSendRecipientsView.as_view(), name="api-bulk-send-recipients"),
    path("message-log/", views.MessageLogView.as_view(), name="api-message-log"),
    path("conversations/", conversations.ConversationListView.as_view(), name="api-conversations"),
    path("conversations/<str:phone>/", conversations.ConversationThreadView.as_view(), name="api-conversation"),
    path("conversations/<str:phone>/messages/", conversations.ConversationAnswerView.as_view(),
         name="api-conversation-answer"),
    path("conversations/<str:phone>/done/", conversations.ConversationDoneView.as_view(), name="api-conversation-done"),
    path("email-auto-replies/", EmailAutoReplyCreateView.as_view(), name="api-email-auto-replies"),
    path("templates/", templates.TemplateListView.as_view(), name="api-templates"),
    path("templates/<int:pk>/", templates.TemplateDetailView.as_view(), name="api-template"),
    path("topics/", topics.TopicListView.as_view(), name="api-topics"),
    path("", include("messaging.omnichannel.urls")),
]
