from django.urls import path

from incidents import api
from incidents.alerts import api as alerts_api
from incidents.heartbeats import api as heartbeats_api

urlpatterns = [
    path("incidents/", api.IncidentCreateView.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="api-incident"),
    path("incidents/<int:pk>/resolve/", api.IncidentResolveView.as_view(), name="api-incident-resolve"),
    path("policies/", api.PolicyCreateView.as_view(), name="api-policies"),
    path("policies/<int:pk>/", api.PolicyDetailView.as_view(), name="api-policy"),
    # Alerts in (incidents/alerts/).
    path("alerts/", alerts_api.GenericAlertView.as_view(), name="api-alerts"),
    path("alerts/alertmanager/", alerts_api.AlertmanagerView.as_view(), name="api-alerts-alertmanager"),
    path("maintenance-windows/", alerts_api.MaintenanceWindowView.as_view(), name="api-maintenance-windows"),
    # Heartbeats (incidents/heartbeats/); their keyless ping URL is in portal/urls.py.
    path("heartbeats/", heartbeats_api.HeartbeatListView.as_view(), name="api-heartbeats"),
    path("heartbeats/<int:pk>/", heartbeats_api.HeartbeatDetailView.as_view(), name="api-heartbeat"),
    path("heartbeats/<int:pk>/pause/", heartbeats_api.HeartbeatPauseView.as_view(), name="api-heartbeat-pause"),
    path("heartbeats/<int:pk>/resume/", heartbeats_api.HeartbeatResumeView.as_view(), name="api-heartbeat-resume"),
]
