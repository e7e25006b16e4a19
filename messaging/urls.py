from django.conf import settings
from django.urls import path

from messaging.calls import views as call_views
from messaging.inbound import views
from messaging.simulator import call_views as simulator_call_views
from messaging.simulator import views as simulator_views
from messaging.topics import views as topic_views

urlpatterns = [
    path("sns/", views.sns_endpoint, name="sns"),
    # 404 on its own while CONNECT_EVENTS_TOKEN is empty (messaging.calls.views).
    path("connect/events/", call_views.connect_events_endpoint, name="connect-events"),
    # A person's own page and the one-click unsubscribe: the signed token is the credential.
    path("preferences/unsubscribe/<str:token>/", topic_views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", topic_views.preferences_page, name="preferences"),
]

# Not mounted at all unless every channel is simulated (SIMULATOR_ENABLED); the views also
# answer 404 on their own when it is off, for a URLconf loaded before the setting changed.
if settings.SIMULATOR_ENABLED:
    urlpatterns += [
        path("simulator/", simulator_views.simulator_page, name="simulator"),
        path("simulator/api/phones/", simulator_views.simulator_phones_json, name="simulator-phones"),
        path("simulator/api/conversation/", simulator_views.simulator_conversation_json,
             name="simulator-conversation"),
        path("simulator/calls/<str:provider_message_id>/keys/", simulator_call_views.simulator_call_keys_view,
             name="simulator-call-keys"),
        path("simulator/calls/<str:provider_message_id>/hang-up/", simulator_call_views.simulator_call_hang_up_view,
             name="simulator-call-hang-up"),
        path("simulator/api/reply/", simulator_views.simulator_reply_json, name="simulator-reply"),
        path("simulator/api/mark/", simulator_views.simulator_mark_json, name="simulator-mark"),
    ]
