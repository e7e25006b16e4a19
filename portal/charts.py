"""Small server-side SVG charts for the report: bars and lines, drawn in Python.

Drawn on the server so the report needs no JavaScript and no chart library, loads nothing
from elsewhere, and the same page prints. Each chart carries a <title> per mark, so hovering
shows the number, and the table beside it holds the same numbers for reading and for CSV.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 180
PALETTE = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f", "#9e9e9e"]


def _frame(chart_id: str, label: str, peak: float, unit: str, body: list[str], labels: Sequence[str]) -> SafeString:
    step = max(1, len(labels) // 8)
    slot = WIDTH / max(len(labels), 1)
    ticks = [f'<text x="{i * slot + slot / 2:.1f}" y="{HEIGHT + 16}" text-anchor="middle">{escape(_short(t))}</text>'
             for i, t in enumerate(labels) if i % step == 0]
    top = f"{peak:.0%}" if unit == "%" else f"{peak:.3g}{unit}"
    return mark_safe(
        f'<svg id="{escape(chart_id)}" class="chart" role="img" aria-label="{escape(label)}" width="100%" '
        f'viewBox="-50 -10 {WIDTH + 60} {HEIGHT + 30}">'
        f'<line x1="0" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}" stroke="#999"/>'
        f'<text x="-6" y="4" text-anchor="end">{escape(top)}</text>'
        f'<text x="-6" y="{HEIGHT}" text-anchor="end">0</text>{"".join(body)}{"".join(ticks)}</svg>')


def bar_chart(chart_id: str, label: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
              *, unit: str = "") -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    peak = max((v or 0 for _, values in series for v in values), default=0) or 1
    slot = WIDTH / max(len(labels), 1)
    width = slot * 0.8 / max(len(series), 1)
    body = []
    for s, (name, values) in enumerate(series):
        for i, value in enumerate(values):
            if not value:
                continue
            h = HEIGHT * value / peak
            shown = f"{value:.1%}" if unit == "%" else f"{value:g}{unit}"
            body.append(f'<rect class="mark" x="{i * slot + slot * 0.1 + s * width:.1f}" y="{HEIGHT - h:.1f}" '
                        f'width="{width:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                        f'<title>{escape(labels[i])}, {escape(name)}: {escape(shown)}</title></rect>')
    return _frame(chart_id, label, peak, unit, body, labels)


def line_chart(chart_id: str, label: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
               *, unit: str = "") -> SafeString:
    """One line per series, with a dot per point; a gap where a value is missing."""
    peak = max((v or 0 for _, values in series for v in values), default=0) or 1
    slot = WIDTH / max(len(labels), 1)
    body = []
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points = [(i * slot + slot / 2, HEIGHT - HEIGHT * v / peak, v) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for (x, y, v), i in zip(points, [i for i, v in enumerate(values) if v is not None], strict=True):
            shown = f"{v:.1%}" if unit == "%" else f"{v:g}{unit}"
            body.append(f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                        f'<title>{escape(labels[i])}, {escape(name)}: {escape(shown)}</title></circle>')
    return _frame(chart_id, label, peak, unit, body, labels)


def _short(label: str, limit: int = 12) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def legend(names: Sequence[str]) -> SafeString:
    return mark_safe("".join(f'<span style="background: {PALETTE[i % len(PALETTE)]}"></span>{escape(n)}'
                             for i, n in enumerate(names)))
