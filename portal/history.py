"""The report's trend sections: each a chart, the table beside it, and the same table as CSV.

Assembled here, in the composition root, because the sections mix apps (a responder is a
messaging contact paged by incidents; a campaign is shifts plus messaging's delivery). Each
app computes its own numbers in its reports module; this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.safestring import SafeString

from incidents.reports import incident_weeks, responders
from messaging.models import Channel
from messaging.reports import STATUS_ORDER, consent_by_day, delivery_report, messaging_trends
from portal.charts import bar_chart, legend, line_chart
from shifts.reports import campaigns


@dataclass
class Section:
    slug: str
    title: str
    chart: SafeString | None
    legend: SafeString | None
    header: list[str]
    rows: list[list]  # raw values: the CSV writes them as they are, the page formats them


def _rate(n: int, total: int) -> float | None:
    return n / total if total else None


def history_sections(*, since: datetime, now: datetime, counts=None) -> list[Section]:
    """Every trend section; ``counts`` are the period's message counts if the caller has them."""
    sections = []
    weeks = incident_weeks(since=since, now=now)
    labels = [w.week.strftime("%d %b") for w in weeks]
    rows = [[w.week.isoformat(), w.opened, w.seconds_to_acknowledge_p50, w.seconds_to_acknowledge_p90,
             w.rate(w.escalated), w.rate(w.nobody_answered)] for w in weeks]
    sections.append(Section(
        "incident-weeks", "Incidents per week: time to acknowledge",
        line_chart("chart-incident-weeks", "Median and 90th percentile seconds to acknowledge, per week", labels,
                   [("median", [w.seconds_to_acknowledge_p50 for w in weeks]),
                    ("90th percentile", [w.seconds_to_acknowledge_p90 for w in weeks])], unit=" s")
        if weeks else None, legend(["median", "90th percentile"]),
        ["week", "opened", "seconds_to_acknowledge_p50", "seconds_to_acknowledge_p90", "escalation_rate",
         "nobody_answered_rate"], rows))
    sections.append(Section(
        "incident-rates", "Escalation and \u201cnobody answered\u201d rates",
        line_chart("chart-incident-rates", "Escalation and nobody-answered rate per week", labels,
                   [("escalated", [w.rate(w.escalated) for w in weeks]),
                    ("nobody answered", [w.rate(w.nobody_answered) for w in weeks])], unit="%")
        if weeks else None, legend(["escalated", "nobody answered"]),
        ["week", "opened", "escalated", "nobody_answered", "escalation_rate", "nobody_answered_rate"],
        [[w.week.isoformat(), w.opened, w.escalated, w.nobody_answered, w.rate(w.escalated),
          w.rate(w.nobody_answered)] for w in weeks]))

    trends = messaging_trends(since=since, now=now, counts=counts)
    channel_labels = dict(Channel.choices)
    channels = sorted({c for week in trends.delivery.values() for c in week})
    week_list = sorted(set(trends.delivery) | set(trends.fallbacks))
    wl = [w.strftime("%d %b") for w in week_list]
    delivery_series = [(channel_labels.get(c, c),
                        [_rate(*_delivered(trends.delivery.get(w, {}), c)) for w in week_list]) for c in channels]
    fallback_rates = [_rate(trends.fallbacks.get(w, (0, 0))[1], trends.fallbacks.get(w, (0, 0))[0])
                      for w in week_list]
    sections.append(Section(
        "delivery-weeks", "Delivery rate per channel and fallback rate, per week",
        line_chart("chart-delivery-weeks", "Delivered of decided per channel, and fallback rate, per week", wl,
                   [*delivery_series, ("fallback sent", fallback_rates)], unit="%") if week_list else None,
        legend([*[n for n, _ in delivery_series], "fallback sent"]),
        ["week", *[f"{c}_delivery_rate" for c in channels], "fallback_dispatches", "fallback_sent", "fallback_rate"],
        [[w.isoformat(), *[s[1][i] for s in delivery_series], trends.fallbacks.get(w, (0, 0))[0],
          trends.fallbacks.get(w, (0, 0))[1], fallback_rates[i]] for i, w in enumerate(week_list)]))
    spend_days = list(trends.spend_by_day)
    sections.append(Section(
        "spend", "Spend per day",
        bar_chart("chart-spend", "Spend per day", [d.strftime("%d %b") for d in spend_days],
                  [("spend", [float(v) for v in trends.spend_by_day.values()])]) if spend_days else None, None,
        ["day", "spend"], [[d.isoformat(), v] for d, v in trends.spend_by_day.items()]))

    people = responders(since=since, now=now)
    sections.append(Section(
        "responders", "Per responder",
        bar_chart("chart-responders", "Per responder: acknowledged, declined, silent", [p.name for p in people[:12]],
                  [("acknowledged", [p.acknowledged for p in people[:12]]),
                   ("declined", [p.declined for p in people[:12]]), ("silent", [p.silent for p in people[:12]])])
        if people else None, legend(["acknowledged", "declined", "silent"]),
        ["name", "phone", "paged", "acknowledged", "declined", "silent", "seconds_to_acknowledge_p50"],
        [[p.name, p.phone, p.paged, p.acknowledged, p.declined, p.silent, p.seconds_to_acknowledge_p50]
         for p in people]))

    sent = campaigns(since=since, now=now)
    sections.append(Section(
        "campaigns", "Per campaign",
        bar_chart("chart-campaigns", "Per campaign: audience, delivered, booked", [c.name for c in sent[:12]],
                  [("audience", [c.audience for c in sent[:12]]), ("delivered", [c.delivered for c in sent[:12]]),
                   ("booked", [c.booked for c in sent[:12]])]) if sent else None,
        legend(["audience", "delivered", "booked"]),
        ["campaign", "sent_at", "audience", "delivered", "shifts", "booked", "seconds_to_fill"],
        [[c.name, c.sent_at, c.audience, c.delivered, c.shifts, c.booked, c.seconds_to_fill] for c in sent]))

    consent = consent_by_day(since=since, now=now)
    names = ["opt_outs", "opt_ins", "suppressions"]
    sections.append(Section(
        "consent", "Opt-outs and suppressions",
        bar_chart("chart-consent", "SMS opt-outs, opt-ins and email suppressions per day",
                  [d.strftime("%d %b") for d in consent], [(n, [v[n] for v in consent.values()]) for n in names])
        if consent else None, legend(["SMS opt-outs", "SMS opt-ins", "email suppressions"]),
        ["day", *names], [[d.isoformat(), *[v[n] for n in names]] for d, v in consent.items()]))
    return sections


def _delivered(week: dict[str, tuple[int, int]], channel: str) -> tuple[int, int]:
    delivered, failed = week.get(channel, (0, 0))
    return delivered, delivered + failed


def history_tables(*, since: datetime, now: datetime) -> dict[str, tuple[list[str], list[list]]]:
    return {s.slug: (s.header, s.rows) for s in history_sections(since=since, now=now)}


def report_tables(days: int, now) -> dict[str, tuple[list[str], list[list]]]:
    """Every chart of the report as the table behind it: slug → (header, rows), for the CSV downloads."""
    report = delivery_report(days=days, now=now)
    tables = {
        "daily": (["day", *STATUS_ORDER, "total"],
                  [[d.isoformat(), *[report.daily[d][s] for s in STATUS_ORDER], sum(report.daily[d].values())]
                   for d in report.days]),
        "channels": (["channel", "total", *STATUS_ORDER, "delivered_share", "seconds_to_deliver_p50",
                      "seconds_to_deliver_p90", "spend"],
                     [[c.channel, c.total, *[c.by_status.get(s, 0) for s in STATUS_ORDER], c.delivered_share,
                       c.seconds_to_deliver_p50, c.seconds_to_deliver_p90, c.spend] for c in report.channels]),
    }
    tables.update(history_tables(since=report.since, now=now))
    return tables
