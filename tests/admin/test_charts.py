"""The home page's charts: round axis steps, whole ones for counts, and labels that fit."""
from __future__ import annotations

import re

from app.admin.charts import Series, bar_chart, line_chart, nice_ticks, text_width


def test_counts_step_by_whole_numbers():
    assert nice_ticks(11, integer=True) == [0, 5, 10, 15]
    assert nice_ticks(3, integer=True) == [0, 1, 2, 3]
    assert nice_ticks(1, integer=True) == [0, 1]
    assert nice_ticks(0, integer=True) == [0, 1]
    assert nice_ticks(149_000) == [0, 50_000, 100_000, 150_000]


def test_count_axes_show_no_fractions():
    months = [f"{m}月" for m in range(1, 13)]
    svg = str(line_chart(months, [Series("提出", [1, 3] + [0] * 10)], integer=True))
    ticks = re.findall(r'text-anchor="end" fill="#666">([^<]+)<', svg)
    assert ticks and all(t.isdigit() for t in ticks), ticks
    svg = str(bar_chart(["未调度", "一级调度"], [Series("办理中", [1, 2]), Series("已销号", [0, 1])],
                        stacked=True, integer=True))
    ticks = re.findall(r'text-anchor="middle" fill="#666">([^<]+)<', svg)
    assert ticks == ["0", "1", "2", "3"], ticks


def test_a_long_label_is_cut_and_kept_whole_in_its_tooltip():
    name = "城区老旧小区改造提升工程（二〇一九年度第一批）"
    svg = str(bar_chart([name, "市重点"], [Series("年度计划", [10, 20])]))
    shown = re.search(r"<title>" + re.escape(name) + r"</title>([^<]+)</text>", svg).group(1)
    assert shown.endswith("…") and text_width(shown) <= 320 * 0.3


def test_month_labels_skip_where_they_would_touch():
    months = [f"{m}月" for m in range(1, 13)]
    svg = str(line_chart(months, [Series("提出", [1] * 12)], integer=True))
    shown = re.findall(r'text-anchor="middle">(\d+月)<', svg)
    xs = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="middle">\d+月<', svg)]
    assert "1月" in shown and len(shown) < 12
    assert min(b - a for a, b in zip(xs, xs[1:])) > text_width("12月")
