from django.urls import path

from oncall import calendar_views

# Outside /api/v1/: a calendar client fetches it with no key; the token in the URL is its only credential.
urlpatterns = [
    path("calendar/<slug:token>.ics", calendar_views.calendar_feed_view, name="oncall-calendar-feed"),
]
