"""Inline SVG charts drawn on the server: no script, no CDN (the hall's network is closed),
and they print and screenshot like the rest of the page.

The drawing is 320 units wide with 13-unit text: a phone's card shows it about 310 px wide, so
the text stays at least 11 px there. Bars lie horizontally, each label on its own row, so long
names never collide; the axes step by round numbers, by whole ones for counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil, floor, log10
from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ("#2f6fb0", "#e8a33d", "#4caf7a", "#c8553d", "#7b61a8", "#6c757d")
WIDTH = 320
FONT = 13
LEGEND_ROW = 20


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str | None = None


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:g}"


def text_width(text: str, size: float = FONT) -> float:
    """About how wide a text is drawn: a Chinese character a full em, Latin and digits 0.6."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def nice_ticks(peak: float, most: int = 4, integer: bool = False) -> list[float]:
    """0 and round steps (1, 2 or 5 × 10^k) up to at least the peak, at most ``most`` intervals;
    whole steps for counts (no 0.5 problems)."""
    if peak <= 0:
        return [0, 1]
    raw = peak / most
    magnitude = 10 ** floor(log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, ceil(step))
    return [step * k for k in range(ceil(peak / step - 1e-9) + 1)]


def _fit(label: str, room: float) -> str:
    """The label, cut with … when it is wider than the room (the whole one stays in a tooltip)."""
    if text_width(label) <= room:
        return label
    while label and text_width(label + "…") > room:
        label = label[:-1]
    return label + "…"


def _legend(series: Sequence[Series]) -> tuple[list[str], float]:
    """Swatches and names along the top, onto a further row when the width is used up."""
    parts, x, y = [], 4.0, 4.0
    for j, s in enumerate(series):
        w = 16 + text_width(s.name) + 12
        if x > 4 and x + w > WIDTH:
            x, y = 4.0, y + LEGEND_ROW
        color = s.color or PALETTE[j % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y + 2:.1f}" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16:.1f}" y="{y + 13:.1f}">{escape(s.name)}</text>')
        x += w
    return parts, y + LEGEND_ROW + 4


def _axis_ticks(peak: float, room: float, integer: bool) -> list[float]:
    """Ticks whose labels do not touch: fewer intervals while the widest label needs more room."""
    for most in (4, 3, 2, 1):
        ticks = nice_ticks(peak, most, integer)
        widest = max(text_width(_fmt(t)) for t in ticks)
        if widest + 6 <= room / (len(ticks) - 1):
            break
    return ticks


def _svg(height: float, title: str, parts: list[str]) -> Markup:
    return Markup(f'<svg viewBox="0 0 {WIDTH} {height:.0f}" font-size="{FONT}" role="img" '
                  f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
                  + "".join(parts) + "</svg>")


def bar_chart(labels: Sequence[str], series: Sequence[Series], title: str = "",
              stacked: bool = False, unit: str = "", integer: bool = False) -> Markup:
    """Horizontal bars, one row per label (grouped, or stacked with the row's total at its
    end), a legend on top and the axis below; ``integer`` for counts."""
    if not labels or not series:
        return Markup('<p class="text-muted small">暂无数据。</p>')
    parts, top = _legend(series)
    rows = len(labels)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(rows)]
    shown = totals if stacked else [v or 0 for s in series for v in s.values]
    label_room = min(max(text_width(lb) for lb in labels), WIDTH * 0.3)
    left = label_room + 8
    right = max(text_width(_fmt(v)) for v in shown) + 8
    plot_w = WIDTH - left - right
    ticks = _axis_ticks(max(shown) or 0, plot_w, integer)
    peak = ticks[-1]
    bar_h = 18  # room for a value label beside each bar (a CJK line is about 1.4 em)
    row_h = bar_h * (1 if stacked else len(series)) + 10
    plot_h = row_h * rows
    for t in ticks:
        x = left + plot_w * t / peak
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{top + plot_h:.1f}" '
                     f'stroke="#e5e5e5"/><text x="{x:.1f}" y="{top + plot_h + 15:.1f}" '
                     f'text-anchor="middle" fill="#666">{_fmt(t)}</text>')
    for i, label in enumerate(labels):
        y0 = top + row_h * i + 5
        parts.append(f'<text x="{left - 6:.1f}" y="{y0 + (row_h - 10) / 2 + 4.5:.1f}" '
                     f'text-anchor="end"><title>{escape(label)}</title>'
                     f'{escape(_fit(label, label_room))}</text>')
        base = 0.0
        for j, s in enumerate(series):
            v = s.values[i] or 0
            w = plot_w * v / peak
            x = left + plot_w * base / peak if stacked else left
            y = y0 if stacked else y0 + bar_h * j
            color = s.color or PALETTE[j % len(PALETTE)]
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 1}" '
                         f'fill="{color}"><title>{escape(label)} · {escape(s.name)}：'
                         f'{_fmt(v)}{escape(unit)}</title></rect>')
            if not stacked:
                parts.append(f'<text x="{x + w + 3:.1f}" y="{y + bar_h - 2:.1f}" '
                             f'font-size="{FONT - 1}">{_fmt(v)}</text>')
            base += v
        if stacked:
            parts.append(f'<text x="{left + plot_w * totals[i] / peak + 3:.1f}" '
                         f'y="{y0 + bar_h - 3:.1f}">{_fmt(totals[i])}</text>')
    return _svg(top + plot_h + 22, title, parts)


def line_chart(labels: Sequence[str], series: Sequence[Series], title: str = "",
               height: int = 220, integer: bool = False) -> Markup:
    """Lines over months (e.g. problems raised and resolved per month); a label is skipped
    where its neighbours would touch it; ``integer`` for counts."""
    if not labels or not series:
        return Markup('<p class="text-muted small">暂无数据。</p>')
    parts, top = _legend(series)
    bottom = 28
    plot_h = height - top - bottom
    peak_value = max([v or 0 for s in series for v in s.values] or [0])
    ticks = nice_ticks(peak_value, 4, integer)
    peak = ticks[-1]
    left = max(text_width(_fmt(t)) for t in ticks) + 10
    plot_w = WIDTH - left - 14
    step = plot_w / max(len(labels) - 1, 1)
    every = ceil((max(text_width(lb) for lb in labels) + 6) / step) if len(labels) > 1 else 1
    for t in ticks:
        y = top + plot_h - plot_h * t / peak
        parts.append(f'<line x1="{left}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/><text x="{left - 6:.1f}" y="{y + 4.5:.1f}" '
                     f'text-anchor="end" fill="#666">{_fmt(t)}</text>')
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text x="{left + step * i:.1f}" y="{height - 5}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    for j, s in enumerate(series):
        color = s.color or PALETTE[j % len(PALETTE)]
        points = " ".join(f"{left + step * i:.1f},{top + plot_h - plot_h * (v or 0) / peak:.1f}"
                          for i, v in enumerate(s.values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for i, v in enumerate(s.values):
            cx, cy = left + step * i, top + plot_h - plot_h * (v or 0) / peak
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{color}">'
                         f'<title>{escape(labels[i])} · {escape(s.name)}：{_fmt(v or 0)}</title></circle>')
    return _svg(height, title, parts)
