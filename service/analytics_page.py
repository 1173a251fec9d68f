"""The editors' analytics page: the report as HTML with an inline SVG chart, no script.

The chart draws searches per day as bars (left scale) and the share of them that found
nothing as a line (right scale, 0-100 %). Its geometry is computed here and drawn by the
template (``templates/analytics.html``, autoescaped); the same figures are in a table
below it for screen readers and for copying.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import render_template, url_for

from .analytics_store import LOW_POSITION

CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 48, 16, 40
RANGES = (7, 30, 90)  # the ranges offered as links, in days up to today


def _nice(top: int) -> int:
    """Round the largest count up to a scale end that quarters into whole numbers.

    >>> [_nice(n) for n in (0, 3, 5, 9, 21, 390, 401)]
    [4, 4, 8, 20, 40, 400, 800]
    """
    step = 1
    while True:
        for m in (4, 8, 20):
            if top <= step * m:
                return step * m
        step *= 10


def chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the chart's bars, line points, ticks and labels for the template."""
    n = max(len(days), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    scale = _nice(max((d["searches"] for d in days), default=0) or 1)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1.0)
    bars, points, labels = [], [], []
    every = max(1, -(-n // 10))  # at most about ten date labels
    for i, d in enumerate(days):
        x = LEFT + i * slot + (slot - bar_w) / 2
        h = plot_h * d["searches"] / scale
        bars.append({"x": round(x, 1), "y": round(TOP + plot_h - h, 1), "w": round(bar_w, 1),
                     "h": round(h, 1), "day": d["day"], "searches": d["searches"],
                     "zero": d["zero_result_searches"]})
        share = d.get("zero_result_share")
        if share is not None:
            points.append((round(LEFT + (i + 0.5) * slot, 1), round(TOP + plot_h * (1 - share), 1)))
        if i % every == 0:
            labels.append({"x": round(LEFT + (i + 0.5) * slot, 1), "text": d["day"][5:]})
    ticks = [{"y": round(TOP + plot_h * (1 - f), 1), "count": round(scale * f),
              "share": f"{f:.0%}"} for f in (0, 0.25, 0.5, 0.75, 1)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
            "top": TOP, "bottom": TOP + plot_h, "bars": bars, "points": points,
            "line": " ".join(f"{x},{y}" for x, y in points),
            "ticks": ticks, "labels": labels, "label_y": TOP + plot_h + 18}


def percent(value: float | None) -> str:
    """Format a share for people: 0.1234 -> 12.3 %; None -> n/a."""
    return "n/a" if value is None else f"{value * 100:.1f} %"


def results(query: str) -> str:
    """Return the address of a query's results: the demo page's widget, which reads its
    search from the URL."""
    return url_for("widget.demo") + "?" + urlencode({"nsw-q": query})


def render(report: dict[str, Any]) -> str:
    """Return the page for ``report``."""
    today = dt.date.fromisoformat(report["today"])
    ranges = [(n, (today - dt.timedelta(days=n - 1)).isoformat()) for n in RANGES]
    return render_template("analytics.html", r=report, chart=chart(report["days"]),
                           percent=percent, low=LOW_POSITION, ranges=ranges, results=results)
