from django.urls import path

from oncall import api

urlpatterns = [
    path("schedules/", api.ScheduleCreateView.as_view(), name="api-schedules"),
    path("schedules/<int:pk>/", api.ScheduleDetailView.as_view(), name="api-schedule"),
    path("schedules/<int:pk>/on-call/", api.OnCallView.as_view(), name="api-schedule-oncall"),
    path("schedules/<int:pk>/overrides/", api.OverrideCreateView.as_view(), name="api-schedule-overrides"),
    path("schedules/<int:pk>/calendar/", api.CalendarFeedCreateView.as_view(), name="api-schedule-calendar"),
]
