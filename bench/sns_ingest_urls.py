"""Bench-only URLconf: the portal's URLs plus a no-op POST view, the baseline for /sns/."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from messaging.views import noop_endpoint
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("bench-noop/", csrf_exempt(noop_endpoint)), *portal_urlpatterns]
