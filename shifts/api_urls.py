from django.urls import path

from shifts import api

urlpatterns = [
    path("allow-list/", api.AllowListCreateView.as_view(), name="api-allow-list"),
    path("shifts/", api.ShiftListCreateView.as_view(), name="api-shifts"),
    path("shifts/<str:code>/", api.ShiftDetailView.as_view(), name="api-shift-detail"),
    path("shift-campaigns/", api.ShiftCampaignCreateView.as_view(), name="api-shift-campaigns"),
]
