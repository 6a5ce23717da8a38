"""Inline SVG charts drawn on the server: no script, no CDN (the hall's network is closed),
and they print and screenshot like the rest of the page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ("#2f6fb0", "#e8a33d", "#4caf7a", "#c8553d", "#7b61a8", "#6c757d")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str | None = None


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"


def bar_chart(labels: Sequence[str], series: Sequence[Series], title: str = "",
              width: int = 560, height: int = 260, stacked: bool = False,
              unit: str = "") -> Markup:
    """Grouped (or stacked) vertical bars, one group per label, with a legend and values."""
    if not labels or not series:
        return Markup('<p class="text-muted small">暂无数据。</p>')
    left, right, top, bottom = 56, 12, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    peak = max(totals if stacked else [v or 0 for s in series for v in s.values] or [0]) or 1
    group_w = plot_w / len(labels)
    bar_w = group_w * 0.7 / (1 if stacked else len(series))
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for k in range(5):  # gridlines with their values
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/><text x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{_fmt(peak * k / 4)}</text>')
    for i, label in enumerate(labels):
        x0 = left + group_w * i + group_w * 0.15
        base = 0.0
        for j, s in enumerate(series):
            v = s.values[i] or 0
            h = plot_h * v / peak
            x = x0 if stacked else x0 + bar_w * j
            y = top + plot_h - h - (plot_h * base / peak if stacked else 0)
            color = s.color or PALETTE[j % len(PALETTE)]
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{color}"><title>{escape(label)} · {escape(s.name)}：'
                         f'{_fmt(v)}{escape(unit)}</title></rect>')
            if not stacked and v:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" '
                             f'text-anchor="middle" style="font-size:10px">{_fmt(v)}</text>')
            base += v
        parts.append(f'<text x="{left + group_w * (i + 0.5):.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    x = left
    for j, s in enumerate(series):  # legend along the top
        color = s.color or PALETTE[j % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="16">{escape(s.name)}</text>')
        x += 28 + 13 * len(s.name)
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(labels: Sequence[str], series: Sequence[Series], title: str = "",
               width: int = 560, height: int = 240) -> Markup:
    """Lines over months (e.g. problems raised and resolved per month)."""
    if not labels or not series:
        return Markup('<p class="text-muted small">暂无数据。</p>')
    left, right, top, bottom = 48, 12, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v or 0 for s in series for v in s.values] or [0]) or 1
    step = plot_w / max(len(labels) - 1, 1)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/><text x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{_fmt(peak * k / 4)}</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{left + step * i:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    x = left
    for j, s in enumerate(series):
        color = s.color or PALETTE[j % len(PALETTE)]
        points = " ".join(f"{left + step * i:.1f},{top + plot_h - plot_h * (v or 0) / peak:.1f}"
                          for i, v in enumerate(s.values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for i, v in enumerate(s.values):
            cx, cy = left + step * i, top + plot_h - plot_h * (v or 0) / peak
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{color}">'
                         f'<title>{escape(labels[i])} · {escape(s.name)}：{_fmt(v or 0)}</title></circle>')
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="16">{escape(s.name)}</text>')
        x += 28 + 13 * len(s.name)
    parts.append("</svg>")
    return Markup("".join(parts))
