from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from incidents.heartbeats.api import heartbeat_ping_view
from portal import exports, metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # A heartbeat's ping: GET or POST, no key; the trailing slash is optional, so that a job's
    # POST is never redirected (incidents/heartbeats/).
    re_path(r"^heartbeat/(?P<token>[A-Za-z0-9_-]{1,64})/?$", heartbeat_ping_view, name="heartbeat-ping"),
    path("admin/report/", views.report_page, name="report"),
    path("admin/report/send/", views.report_send, name="report-send"),
    path("admin/report/<slug:chart>.csv", views.report_csv, name="report-csv"),
    path("admin/export/messages.csv", exports.message_log_csv, name="export-messages"),
    path("admin/export/incidents.csv", exports.incidents_csv, name="export-incidents"),
    path("admin/", admin.site.urls),
    path("api/schema/", views.api_docs_guard(SpectacularAPIView.as_view()), name="api-schema"),
    # The split view serves Swagger UI's start-up script from this URL (?script=) instead of
    # inline, and the template puts the nonce on its style: the Content-Security-Policy needs no
    # 'unsafe-inline' for the docs either.
    path("api/docs/", views.api_docs_guard(SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="api/swagger_ui.html")),
         name="api-docs"),
    path("api/v1/", include("messaging.api.urls")),
    path("api/v1/", include("incidents.api_urls")),
    path("api/v1/", include("shifts.api_urls")),
    path("api/v1/", include("oncall.api_urls")),
    path("", include("messaging.urls")),
    path("", include("oncall.urls")),
]
