"""`/metrics` for Prometheus: the portal's state, read from the database at scrape time.

The portal runs as several processes (web workers, one or more qclusters). In-process
counters would each see a slice and reset on every restart, so a custom collector asks the
database, which every process writes to, when Prometheus scrapes. Every query is bounded by
an index or a time window, so a scrape stays cheap on a message log of millions of rows:
sends and SNS notifications are counted over the last ``METRICS_WINDOW`` (a gauge, not a
counter, for that reason), timer lateness over the timers due in that window (due_at is indexed).

The page is the portal's own view of itself (queue, senders, numbers), so it is guarded by a
bearer token of its own (``METRICS_TOKEN``) rather than an API key: Prometheus's
``authorization`` block sends exactly that. With no token set there is no page at all (404).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.http import Http404, HttpResponse
from django.utils import timezone
from django_q.models import OrmQ
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily, HistogramMetricFamily

from incidents.models import OPEN_STATUSES, Incident
from messaging.models import OutboundMessage, SenderPace, SnsNotification, Timer, TimerState
from messaging.selftest.selectors import self_test_last_failure, self_test_last_success

METRICS_WINDOW = timedelta(hours=24)
# Seconds late a timer fired; "within about one second" is the contract, so the buckets are fine there.
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)


class PortalCollector:
    """Builds every metric family from a handful of GROUP BY queries, at scrape time."""

    def __init__(self, now: datetime | None = None):
        self._now = now

    def collect(self):
        now = self._now or timezone.now()
        since = now - METRICS_WINDOW
        yield from self._queue(now)
        yield self._timer_lateness(since)
        yield self._sends(since)
        yield self._notifications(since)
        yield self._open_incidents()
        yield from self._senders(now)
        yield from self._self_test()

    def _queue(self, now):
        # django-q2's ORM broker hands a row out once its lock time has passed: that is "due".
        due = OrmQ.objects.filter(lock__lte=now)
        stats = due.aggregate(n=Count("id"), oldest=Min("lock"))
        depth = GaugeMetricFamily("portal_queue_depth", "Tasks in the django-q2 queue that are due now.")
        depth.add_metric([], stats["n"])
        yield depth
        scheduled = GaugeMetricFamily("portal_queue_scheduled", "Tasks in the django-q2 queue, due or not.")
        scheduled.add_metric([], OrmQ.objects.count())
        yield scheduled
        oldest = GaugeMetricFamily("portal_queue_oldest_due_seconds",
                                   "How long the oldest due task has waited past its due time (0 if none).")
        oldest.add_metric([], max((now - stats["oldest"]).total_seconds(), 0.0) if stats["oldest"] else 0.0)
        yield oldest
        pending = Timer.objects.filter(state=TimerState.PENDING, due_at__lte=now).aggregate(n=Count("id"))
        overdue = GaugeMetricFamily("portal_timers_overdue", "Pending timers whose due time has passed.")
        overdue.add_metric([], pending["n"])
        yield overdue

    def _timer_lateness(self, since):
        late = ExpressionWrapper(F("fired_at") - F("due_at"), output_field=DurationField())
        # One aggregate with a filtered count per bucket: the whole histogram in one query.
        buckets = {f"le{i}": Count("id", filter=Q(late__lte=timedelta(seconds=b)))
                   for i, b in enumerate(LATENESS_BUCKETS)}
        row = (Timer.objects.filter(due_at__gte=since, fired_at__isnull=False).annotate(late=late)
               .aggregate(n=Count("id"), total=Sum("late"), **buckets))
        family = HistogramMetricFamily(
            "portal_timer_lateness_seconds", "How late timers fired after their due time, over the last 24 h.")
        family.add_metric([], [(str(b), row[f"le{i}"]) for i, b in enumerate(LATENESS_BUCKETS)] + [("+Inf", row["n"])],
                          sum_value=row["total"].total_seconds() if row["total"] else 0.0)
        return family

    def _sends(self, since):
        family = GaugeMetricFamily("portal_messages_last_day",
                                   "Outbound messages created in the last 24 h, by channel and outcome (status).",
                                   labels=["channel", "outcome"])
        rows = (OutboundMessage.objects.filter(created_at__gte=since).values("channel", "status")
                .annotate(n=Count("id")).order_by("channel", "status"))
        for row in rows:
            family.add_metric([row["channel"], row["status"]], row["n"])
        return family

    def _notifications(self, since):
        family = GaugeMetricFamily("portal_sns_notifications_last_day",
                                   "SNS notifications received in the last 24 h, by kind and status.",
                                   labels=["kind", "status"])
        rows = (SnsNotification.objects.filter(received_at__gte=since).values("kind", "status")
                .annotate(n=Count("id")).order_by("kind", "status"))
        for row in rows:
            family.add_metric([row["kind"], row["status"]], row["n"])
        return family

    def _open_incidents(self):
        family = GaugeMetricFamily("portal_incidents_open", "Open incidents by status.", labels=["status"])
        counts = {r["status"]: r["n"] for r in Incident.objects.filter(status__in=OPEN_STATUSES)
                  .values("status").annotate(n=Count("id")).order_by()}
        for status in OPEN_STATUSES:
            family.add_metric([str(status)], counts.get(status, 0))
        return family

    def _senders(self, now):
        backlog = GaugeMetricFamily(
            "portal_sender_backlog_seconds",
            "Per sender: how far ahead its next free send slot is (0 when it can send now).", labels=["sender"])
        for sender, next_free in SenderPace.objects.order_by("sender").values_list("sender", "next_free_at"):
            backlog.add_metric([sender], max((next_free - now).total_seconds(), 0.0))
        yield backlog
        rate = GaugeMetricFamily("portal_sms_rate_limit", "The configured SMS pace in parts per second (0: none).")
        rate.add_metric([], float(settings.SMS_RATE_LIMIT or 0))
        yield rate


    def _self_test(self):
        # The pager's own round trip (messaging/selftest/); 0 while it never succeeded or failed.
        ok, failed = self_test_last_success(), self_test_last_failure()
        last = GaugeMetricFamily("portal_self_test_last_success_timestamp_seconds",
                                 "Unix time the last self-test SMS came back in time (0: never).")
        last.add_metric([], ok.answered_at.timestamp() if ok else 0.0)
        yield last
        trip = GaugeMetricFamily("portal_self_test_round_trip_seconds",
                                 "Seconds the last successful self-test SMS took to come back.")
        trip.add_metric([], ok.round_trip_seconds if ok else 0.0)
        yield trip
        failure = GaugeMetricFamily("portal_self_test_last_failure_timestamp_seconds",
                                    "Unix time of the last self-test that did not come back in time (0: never).")
        failure.add_metric([], failed.sent_at.timestamp() if failed else 0.0)
        yield failure


def metrics_render(now: datetime | None = None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector(now=now))
    return generate_latest(registry)


def metrics_view(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are not enabled")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        response = HttpResponse("a bearer token is needed\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return HttpResponse("wrong token\n", status=403, content_type="text/plain")
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
