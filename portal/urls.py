from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import exports, metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/report/", views.report_page, name="report"),
    path("admin/report/<slug:chart>.csv", views.report_csv, name="report-csv"),
    path("admin/export/messages.csv", exports.message_log_csv, name="export-messages"),
    path("admin/export/incidents.csv", exports.incidents_csv, name="export-incidents"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("messaging.api.urls")),
    path("api/v1/", include("incidents.api_urls")),
    path("api/v1/", include("shifts.api_urls")),
    path("api/v1/", include("oncall.api_urls")),
    path("", include("messaging.urls")),
]
